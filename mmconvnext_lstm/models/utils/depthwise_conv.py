# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Depthwise convs with a channel multiplier, computed by the fastest of
exact CPU kernels for each shape (docs/model.md, "Kernels per device")."""
import time
from functools import lru_cache
from typing import Callable, Dict, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checks import check_choice

CONV_IMPLS = ('auto', 'channel_multiplier', 'grouped')


def resolve_conv_impl(conv_impl: str, x: torch.Tensor) -> str:
    auto = 'channel_multiplier' if x.device.type == 'cpu' else 'grouped'
    return auto if conv_impl == 'auto' else conv_impl


def crop_to_map(weight: torch.Tensor, padding: Tuple[int, int],
                map_size: Tuple[int, int]):
    """The taps and padding of a stride-1 'same' conv that can meet a map
    of ``map_size``: per dimension the central ``min(k, 2s - 1)``."""
    (kh, kw), (h, w) = weight.shape[-2:], map_size
    ch, cw = (kh - min(kh, 2 * h - 1)) // 2, (kw - min(kw, 2 * w - 1)) // 2
    cropped = weight[..., ch:kh - ch, cw:kw - cw]
    return cropped, (padding[0] - ch, padding[1] - cw)


class _RepeatChannels(torch.autograd.Function):
    """Each channel ``times`` times in a row, channels-last; the backward
    adds strided views (several times faster than torch's sum)."""

    @staticmethod
    def forward(ctx, x, times):
        ctx.times = times
        nhwc = x.permute(0, 2, 3, 1).repeat_interleave(times, dim=-1)
        return nhwc.permute(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        nhwc = grad.permute(0, 2, 3, 1)
        copies = nhwc.unflatten(-1, (-1, ctx.times)).unbind(-1)
        return sum(copies[1:], copies[0]).permute(0, 3, 1, 2), None


def conv_kernel(x, weight, bias, padding):
    return F.conv2d(x, weight, bias, padding=padding, groups=len(weight))


class _WeightGradAsConv(torch.autograd.Function):
    """:func:`conv_kernel` with the weight gradient as a forward conv: each
    (image, channel) pair is a group whose kernel is its output gradient."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding):
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        return conv_kernel(x, weight, bias, padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = (t.to(grad.dtype) for t in ctx.saved_tensors)
        (n, c, h, w), (ph, pw) = grad.shape, ctx.padding
        grad_x = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.nn.grad.conv2d_input(
                x.shape, weight, grad, padding=ctx.padding, groups=c)
        if ctx.needs_input_grad[1]:
            x = F.pad(x, (pw, pw, ph, ph)).reshape(1, n * c, h + 2 * ph, -1)
            y = F.conv2d(x, grad.reshape(n * c, 1, h, w), groups=n * c)
            grad_weight = y.view(n, *weight.shape).sum(0)
        grad_bias = grad.sum((0, 2, 3)) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias, None


@lru_cache(maxsize=None)
@torch.inference_mode(False)  # the cached tensor serves autograd too
def _tap_index(map_size: Tuple[int, int], kernel_size: Tuple[int, int]):
    """(P, P) indices into a flattened kernel with a zero appended: (o, q)
    is the tap weighing input pixel q in output pixel o."""
    (h, w), (kh, kw) = map_size, kernel_size
    rows, cols = torch.arange(h * w) // w, torch.arange(h * w) % w
    tap_row = rows[None, :] - rows[:, None] + kh // 2
    tap_col = cols[None, :] - cols[:, None] + kw // 2
    inside = (tap_row >= 0) & (tap_row < kh) & (tap_col >= 0) & (tap_col < kw)
    return torch.where(inside, tap_row * kw + tap_col, kh * kw)


# Tap matrices times pixels, as broadcast products or as a batched matmul.
def products_kernel(x, weight, bias, padding):
    n, c, h, w = x.shape
    index = _tap_index((h, w), tuple(weight.shape[-2:]))
    matrices = F.pad(weight.flatten(1), (0, 1)).t()[index]  # (P, P, C)
    y = (x.permute(0, 2, 3, 1).reshape(n, 1, h * w, c) * matrices).sum(2)
    y = y if bias is None else y + bias
    return y.reshape(n, h, w, c).permute(0, 3, 1, 2)


def matmul_kernel(x, weight, bias, padding):
    n, c, h, w = x.shape
    index = _tap_index((h, w), tuple(weight.shape[-2:]))
    matrices = F.pad(weight.flatten(1), (0, 1))[:, index]  # (C, P, P)
    pixels = x.permute(1, 2, 3, 0).reshape(c, h * w, n)
    y = torch.bmm(matrices, pixels) if bias is None else torch.baddbmm(
        bias.view(c, 1, 1), matrices, pixels)
    return y.view(c, h, w, n).permute(3, 0, 1, 2)


# name: (computes it, map sizes in pixels it is tried on). P x P tap matrices
# suit small maps, where weight_as_conv is no match (200x slower on 1x1).
KERNELS: Dict[str, Tuple[Callable, range]] = {
    'conv': (conv_kernel, range(1, 2**62)),
    'weight_as_conv': (_WeightGradAsConv.apply, range(17, 2**62)),
    'products': (products_kernel, range(1, 10)),
    'matmul': (matmul_kernel, range(1, 17)),
}
# The kernel chosen per (device, dtype, input and weight shapes, backward,
# padding, no bias, autocast) in this process.
FASTEST_KERNELS: Dict[tuple, str] = {}


def fastest_kernel(x, weight, bias, padding) -> str:
    """The fastest of :data:`KERNELS` for this conv, timed the first time a
    process meets its shapes: one warm-up, then the best of three runs."""
    backward, pixels = torch.is_grad_enabled(), x.shape[-2] * x.shape[-1]
    candidates = [n for n, (_, sizes) in KERNELS.items() if pixels in sizes]
    if 'weight_as_conv' in candidates and not (backward and x.is_cpu):
        candidates.remove('weight_as_conv')  # oneDNN's backward is its case
    key = (x.device.type, str(x.dtype), x.shape, weight.shape, backward,
           padding, bias is None, torch.is_autocast_enabled(x.device.type))
    if len(candidates) > 1 and key not in FASTEST_KERNELS:
        x, weight = (t.detach().requires_grad_(backward) for t in (x, weight))
        bias = None if bias is None else bias.detach()  # not the model's grad
        seconds = {name: [] for name in candidates}
        for _ in range(4):
            for name in candidates:
                start = time.perf_counter()
                y = KERNELS[name][0](x, weight, bias, padding)
                if backward:
                    y.backward(torch.ones_like(y))
                seconds[name].append(time.perf_counter() - start)
        FASTEST_KERNELS[key] = min(
            candidates, key=lambda n: min(seconds[n][1:]))
    return FASTEST_KERNELS.get(key, candidates[0])


class DepthwiseConv2d(nn.Conv2d):
    """A conv in which each input channel is a group of ``out_channels //
    in_channels`` outputs; 'same' convs (stride 1, ``padding=kernel_size //
    2``) use the kernels of ``conv_impl``, traces the grouped conv.

    Args:
        in_channels (int): Number of input channels, one per group.
        out_channels (int): Number of output channels, a multiple of
            ``in_channels``.
        kernel_size (int | tuple[int, int]): Size of the kernel.
        conv_impl (str): ``'auto'``, ``'channel_multiplier'`` or
            ``'grouped'``. Defaults to 'auto'.
        **kwargs: Other arguments of ``nn.Conv2d``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Tuple[int, int]],
                 conv_impl: str = 'auto',
                 **kwargs):
        kwargs.update(groups=in_channels)
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        check_choice('conv_impl', conv_impl, CONV_IMPLS)
        self.conv_impl = conv_impl
        self.multiplier = out_channels // in_channels
        same = tuple(k // 2 for k in self.kernel_size if k % 2)  # odd k only
        self.keeps_map_size = (self.stride, self.dilation, self.padding_mode,
                               self.padding) == ((1, 1), (1, 1), 'zeros', same)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.keeps_map_size or torch.jit.is_tracing() or \
                torch.compiler.is_compiling():
            return super().forward(x)  # its MACs, no map-dependent kernels
        weight, padding = crop_to_map(self.weight, self.padding, x.shape[-2:])
        if resolve_conv_impl(self.conv_impl, x) == 'grouped':
            return F.conv2d(
                x, weight, self.bias, padding=padding, groups=self.groups)
        if self.multiplier > 1:
            x = _RepeatChannels.apply(x, self.multiplier)
        kernel = KERNELS[fastest_kernel(x, weight, self.bias, padding)][0]
        return kernel(x, weight, self.bias, padding)
