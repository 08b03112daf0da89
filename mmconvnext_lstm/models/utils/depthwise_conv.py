# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Depthwise convs with a channel multiplier, and the CPU kernels they are
computed with.

Two exact rewrites make small feature maps cheap (at 32 px input the last
stages' maps are 2x2 and 1x1, smaller than the 7x7, 5x5 and 3x3 kernels):

- **Cropping.** A stride-1 conv with ``padding = k // 2`` on a map of side
  ``s`` equals the same conv with its kernel cropped to the central
  ``min(k, 2s - 1)`` taps and the padding reduced to match: the other taps
  only ever multiply padding. The crop is a slice of the parameter, so the
  cropped-off taps get a zero gradient, as the full conv gives them.
- **Tap matrices.** On a map of ``P = H x W`` pixels a depthwise conv is, per
  channel, a ``P x P`` matrix (each entry a kernel tap or zero) times the
  ``P`` pixels; on a 1x1 map that is a per-channel scale. The
  ``'products'`` kernel computes it with broadcast products and a sum,
  ``'matmul'`` with a batched matrix product.

Which kernel is fastest depends on the CPU (oneDNN picks its depthwise
kernels by instruction set; on one AVX2 CPU a 3x3 conv on a 4x4 map was
fastest as the conv and a 7x7 one 4x faster as a matmul), so on maps of
at most :data:`MATRIX_MAX_PIXELS` pixels :func:`fastest_kernel` times the
candidates once per process and shape and keeps the fastest; larger maps
always use oneDNN's depthwise conv.
"""
import time
from functools import lru_cache
from typing import Callable, Dict, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...utils.errors import ConfigError

CONV_IMPLS = ('auto', 'channel_multiplier', 'grouped')

# The tap-matrix kernels hold a P x P matrix per channel: worth it only
# where P is small (at 7x7 maps they were 2x slower than the conv on an
# AVX2 CPU).
MATRIX_MAX_PIXELS = 16
PRODUCTS_MAX_PIXELS = 4  # its (N, P, P, C) intermediate grows as P**2


def check_conv_impl(conv_impl: str) -> None:
    if conv_impl not in CONV_IMPLS:
        raise ConfigError(f'conv_impl must be one of {CONV_IMPLS}, got '
                          f'{conv_impl!r}.')


def resolve_conv_impl(conv_impl: str, x: torch.Tensor) -> str:
    """The kernels ``conv_impl`` stands for on the device of ``x``: ``'auto'``
    is ``'channel_multiplier'`` (the CPU kernels) for CPU tensors and
    ``'grouped'`` on every other device."""
    if conv_impl == 'auto':
        return 'channel_multiplier' if x.device.type == 'cpu' else 'grouped'
    return conv_impl


def crop_to_map(weight: torch.Tensor, padding: Tuple[int, int],
                map_size: Tuple[int, int]):
    """The kernel taps and padding of a stride-1 'same' conv that can meet
    a map of ``map_size``, per dimension the central ``min(k, 2s - 1)``."""
    crops = [(k - min(k, 2 * s - 1)) // 2
             for k, s in zip(weight.shape[-2:], map_size)]
    if not any(crops):
        return weight, padding
    (crop_h, crop_w), (kh, kw) = crops, weight.shape[-2:]
    return (weight[..., crop_h:kh - crop_h, crop_w:kw - crop_w],
            (padding[0] - crop_h, padding[1] - crop_w))


def repeat_channels(x: torch.Tensor, times: int) -> torch.Tensor:
    """Every channel of an (N, C, H, W) map ``times`` times in a row,
    channels-last."""
    if times == 1:
        return x
    return x.permute(0, 2, 3, 1).repeat_interleave(
        times, dim=-1).permute(0, 3, 1, 2)


@lru_cache(maxsize=None)
@torch.inference_mode(False)
def _tap_index(map_size: Tuple[int, int],
               kernel_size: Tuple[int, int]) -> torch.Tensor:
    """(P, P) indices into a flattened kernel with a zero appended: entry
    (o, q) is the tap that weighs input pixel q in output pixel o. Built
    outside inference mode, so that the cached tensor serves autograd too."""
    (h, w), (kh, kw) = map_size, kernel_size
    rows, cols = torch.meshgrid(
        torch.arange(h), torch.arange(w), indexing='ij')
    rows, cols = rows.flatten(), cols.flatten()
    tap_row = rows[None, :] - rows[:, None] + kh // 2
    tap_col = cols[None, :] - cols[:, None] + kw // 2
    inside = (tap_row >= 0) & (tap_row < kh) & (tap_col >= 0) & (tap_col < kw)
    return torch.where(inside, tap_row * kw + tap_col, kh * kw)


def tap_matrices(weight: torch.Tensor, map_size: Tuple[int, int],
                 channels_last: bool) -> torch.Tensor:
    """The matrices of a depthwise 'same' conv on a map, contiguous as
    (P, P, C) if ``channels_last``, else as (C, P, P)."""
    taps = torch.cat([weight.flatten(1), weight.new_zeros(len(weight), 1)], 1)
    index = _tap_index(tuple(map_size), tuple(weight.shape[-2:]))
    return taps.t()[index] if channels_last else taps[:, index]


def conv_kernel(x, weight, bias, padding, multiplier):
    """oneDNN's depthwise conv of the repeated channels."""
    return F.conv2d(
        repeat_channels(x, multiplier),
        weight,
        bias,
        padding=padding,
        groups=len(weight))


def products_kernel(x, weight, bias, padding, multiplier):
    """Tap matrices times pixels as broadcast products and a sum."""
    x = repeat_channels(x, multiplier)
    n, c, h, w = x.shape
    pixels = x.permute(0, 2, 3, 1).reshape(n, 1, h * w, c)
    y = (pixels * tap_matrices(weight, (h, w), channels_last=True)).sum(2)
    if bias is not None:
        y = y + bias
    return y.reshape(n, h, w, c).permute(0, 3, 1, 2)


def matmul_kernel(x, weight, bias, padding, multiplier):
    """Tap matrices times pixels as one batched matrix product."""
    x = repeat_channels(x, multiplier)
    n, c, h, w = x.shape
    pixels = x.permute(1, 2, 3, 0).reshape(c, h * w, n)
    matrices = tap_matrices(weight, (h, w), channels_last=False)
    if bias is None:
        y = torch.bmm(matrices, pixels)
    else:
        y = torch.baddbmm(bias.view(c, 1, 1), matrices, pixels)
    return y.view(c, h, w, n).permute(3, 0, 1, 2)


# name: (computes it, largest map in pixels it is tried on)
KERNELS: Dict[str, Tuple[Callable, float]] = {
    'conv': (conv_kernel, float('inf')),
    'products': (products_kernel, PRODUCTS_MAX_PIXELS),
    'matmul': (matmul_kernel, MATRIX_MAX_PIXELS),
}
_fastest: Dict[tuple, str] = {}


def _time(kernel: Callable, args: tuple, backward: bool) -> float:
    x, weight, bias = (None
                       if t is None else t.detach().requires_grad_(backward)
                       for t in args[:3])
    start = time.perf_counter()
    y = kernel(x, weight, bias, *args[3:])
    if backward:
        y.backward(torch.ones_like(y))
    return time.perf_counter() - start


def fastest_kernel(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                   padding: Tuple[int, int], multiplier: int) -> str:
    """The name of the fastest of :data:`KERNELS` for this conv, timed (one
    warm-up, then the best of three interleaved runs; forward and backward
    where autograd is on) the first time a process meets its shapes."""
    pixels = x.shape[-2] * x.shape[-1]
    candidates = [
        name for name, (_, max_pixels) in KERNELS.items()
        if pixels <= max_pixels
    ]
    if len(candidates) == 1:
        return 'conv'
    backward = torch.is_grad_enabled()
    has_bias = bias is not None
    key = (x.device.type, x.dtype, tuple(x.shape), tuple(weight.shape),
           padding, multiplier, has_bias, backward,
           torch.is_autocast_enabled(x.device.type))
    if key not in _fastest:
        args = (x, weight, bias, padding, multiplier)
        seconds = {name: [] for name in candidates}
        for _ in range(4):
            for name in candidates:
                seconds[name].append(_time(KERNELS[name][0], args, backward))
        _fastest[key] = min(candidates, key=lambda n: min(seconds[n][1:]))
    return _fastest[key]


class DepthwiseConv2d(nn.Conv2d):
    """A conv in which every input channel is its own group and feeds
    ``out_channels // in_channels`` outputs (a depthwise conv with a channel
    multiplier), with the kernels of ``conv_impl``.

    What each ``conv_impl`` computes with is described once, in
    :class:`MultiScaleConvNeXtBlock`; the rewrites are described in this
    module's docstring. Under ``torch.jit.trace`` and ``torch.compile`` it
    is a plain grouped conv. Parameters are ``nn.Conv2d``'s.

    Args:
        in_channels (int): Number of input channels, one per group.
        out_channels (int): Number of output channels, a multiple of
            ``in_channels``.
        kernel_size (int | tuple[int, int]): Size of the kernel.
        padding (int | tuple[int, int]): Zero padding of both sides; the
            cropping and the tap matrices apply where it keeps the map size
            (``kernel_size // 2`` for an odd size). Defaults to 0.
        conv_impl (str): ``'auto'``, ``'channel_multiplier'`` or
            ``'grouped'``, see :class:`MultiScaleConvNeXtBlock`.
            Defaults to 'auto'.
        **kwargs: Other arguments of ``nn.Conv2d`` (``bias``, ``stride``,
            ``dilation``); any but the defaults turn the rewrites off.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Tuple[int, int]],
                 padding: Union[int, Tuple[int, int]] = 0,
                 conv_impl: str = 'auto',
                 **kwargs):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            padding=padding,
            groups=in_channels,
            **kwargs)
        check_conv_impl(conv_impl)
        self.conv_impl = conv_impl
        self.multiplier = out_channels // in_channels
        self.keeps_map_size = (
            self.stride == (1, 1) and self.dilation == (1, 1)
            and self.padding_mode == 'zeros'
            and isinstance(self.padding, tuple)
            and all(k == 2 * p + 1
                    for k, p in zip(self.kernel_size, self.padding)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.keeps_map_size or torch.jit.is_tracing() or \
                torch.compiler.is_compiling():
            # Traces (FLOP counts, ONNX export) and compiled graphs get the
            # plain grouped conv: its MACs, no map-size dependent kernels.
            return super().forward(x)
        weight, padding = crop_to_map(self.weight, self.padding, x.shape[-2:])
        if resolve_conv_impl(self.conv_impl, x) == 'grouped':
            return F.conv2d(
                x, weight, self.bias, padding=padding, groups=self.groups)
        args = (x, weight, self.bias, padding, self.multiplier)
        return KERNELS[fastest_kernel(*args)][0](*args)


def measured_kernels() -> list:
    """The kernels :func:`fastest_kernel` chose in this process and for
    which convs, for reports."""
    return [
        dict(
            device=device,
            dtype=str(dtype),
            input=list(input_shape),
            weight=list(weight_shape),
            multiplier=multiplier,
            backward=backward,
            kernel=kernel)
        for (device, dtype, input_shape, weight_shape, _, multiplier, _,
             backward, _), kernel in _fastest.items()
    ]
