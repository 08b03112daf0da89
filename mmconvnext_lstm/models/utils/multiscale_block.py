# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from typing import Sequence

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ...utils.errors import ConfigError
from .checks import (check_choice, check_drop_path_rate,
                     check_layer_scale_init_value)
from .depthwise_conv import DepthwiseConv2d, resolve_conv_impl


class PointwiseConv2d(nn.Linear):
    """A 1x1 conv of an (N, C, H, W) map as an ``nn.Linear`` over channels,
    as in mmpretrain's ConvNeXtBlock; channels-last, the permutes are views.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def pointwise_branch(channels: int, reduced_channels: int,
                     depth: int) -> nn.Sequential:
    """``C -> C`` (depth 1) or ``C -> C/r -> C`` (2, Table 7's design B)."""
    widths = [channels] + [reduced_channels] * (depth - 1) + [channels]
    return nn.Sequential(*map(PointwiseConv2d, widths, widths[1:]))


def reduced_branch(channels: int, reduced_channels: int, kernel_size: int,
                   factorized: bool, conv_impl: str) -> nn.Sequential:
    """A 1x1 conv down to ``reduced_channels``, then a k x k conv back to
    ``channels`` in which each reduced channel feeds ``channels //
    reduced_channels`` outputs; ``factorized``, as a 1 x k conv of that
    grouping and a depthwise k x 1 conv (Table 7's design C)."""
    k, pad = kernel_size, kernel_size // 2
    kernels = [((1, k), (0, pad)),
               ((k, 1), (pad, 0))] if factorized else [(k, pad)]
    widths = [reduced_channels] + [channels] * len(kernels)
    return nn.Sequential(
        PointwiseConv2d(channels, reduced_channels), *[
            DepthwiseConv2d(
                width, channels, kernel, padding=padding, conv_impl=conv_impl)
            for width, (kernel, padding) in zip(widths, kernels)
        ])


@MODELS.register_module()
class MultiScaleConvNeXtBlock(BaseModule):
    """The paper's "New Block": a ConvNeXt block with Inception-style
    multi-scale branches in place of the 1x1 expansion.

    Our reading of section 3.3 of `ConvNeXt Feature Extraction Study for
    Image Data` (Figure 4 is missing from the paper)::

        t  = LN(DWConv7x7(x))                          C channels
        b0 = t                                         identity branch
        b1 = Conv1x1(t)                                C -> C
        bk = GConvKxK(Conv1x1(t): C -> C/r), K = 3, 5  C/r -> C
        y  = Conv1x1(GELU(cat[b0, b1, b3, b5]))        4C -> C
        out = x + DropPath(gamma * y)

    With the default two kernels the concatenation is 4C wide, the hidden
    width of ConvNeXt's inverted bottleneck; ``branches`` are in its order.

    Args:
        in_channels (int): The number of input channels.
        dw_conv_cfg (dict): Config of the depthwise convolution.
            Defaults to ``dict(kernel_size=7, padding=3)``.
        kernel_sizes (Sequence[int]): Odd kernel sizes of the reduced
            branches (``(3, 5, 7)`` is Table 7's design A).
            Defaults to ``(3, 5)``.
        factorized_kernel_sizes (Sequence[int]): Kernel sizes from
            ``kernel_sizes`` computed as a 1 x k then a k x 1 conv
            (``(3, )`` is Table 7's design C). Defaults to ``()``.
        reduction_ratio (int): Width reduction r of the 1x1 conv in front
            of every k x k conv; it must divide ``in_channels``.
            Defaults to 2.
        pointwise_depth (int): 1x1 convs in the pointwise branch: 1 is
            ``C -> C``, 2 is ``C -> C/r -> C`` (our reading of Table 7's
            design B), 0 drops the branch. Defaults to 1.
        with_identity_branch (bool): Whether to concatenate ``t`` itself
            (the paper's feature reuse). Defaults to True.
        norm_cfg (dict): The config dict for norm layers.
            Defaults to ``dict(type='LN2d', eps=1e-6)``.
        act_cfg (dict): The config dict for the activation after the
            concatenation. Defaults to ``dict(type='GELU')``.
        drop_path_rate (float): Stochastic depth rate, in [0, 1).
            Defaults to 0.
        layer_scale_init_value (float): Init value for Layer Scale; 0
            disables it. Defaults to 1e-6.
        conv_impl (str): The kernels of the depthwise and grouped convs
            (:class:`DepthwiseConv2d`), with the same parameters and
            outputs. Defaults to 'auto'.
        with_cp (bool): Use gradient checkpointing or not. Defaults to False.
        init_cfg (dict, optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 dw_conv_cfg: dict = dict(kernel_size=7, padding=3),
                 kernel_sizes: Sequence[int] = (3, 5),
                 factorized_kernel_sizes: Sequence[int] = (),
                 reduction_ratio: int = 2,
                 pointwise_depth: int = 1,
                 with_identity_branch: bool = True,
                 norm_cfg: dict = dict(type='LN2d', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 conv_impl: str = 'auto',
                 with_cp: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1:
            raise ConfigError(
                f'in_channels must be at least 1, got {in_channels}.')
        if not (isinstance(reduction_ratio, int) and reduction_ratio >= 1
                and in_channels % reduction_ratio == 0):
            raise ConfigError(
                f'reduction_ratio must be a positive int that divides '
                f'in_channels ({in_channels}), got {reduction_ratio!r}.')
        unknown = set(factorized_kernel_sizes) - set(kernel_sizes)
        if unknown:
            raise ConfigError(
                f'factorized_kernel_sizes {sorted(unknown)} are not in '
                f'kernel_sizes {tuple(kernel_sizes)}.')
        if any(k % 2 == 0 or k < 1 for k in kernel_sizes):
            raise ConfigError('kernel_sizes must be odd positive integers to '
                              f'keep the map size, got {tuple(kernel_sizes)}.')
        if not (with_identity_branch or pointwise_depth or kernel_sizes):
            raise ConfigError('The block needs at least one branch.')
        check_choice('pointwise_depth', pointwise_depth, (0, 1, 2))
        check_drop_path_rate(drop_path_rate)
        check_layer_scale_init_value(layer_scale_init_value)

        self.conv_impl = conv_impl
        self.with_cp = with_cp
        reduced_channels = in_channels // reduction_ratio

        self.depthwise_conv = DepthwiseConv2d(
            in_channels, in_channels, conv_impl=conv_impl, **dw_conv_cfg)
        self.norm = build_norm_layer(norm_cfg, in_channels)

        widths = (in_channels, reduced_channels)
        branches = [nn.Identity()] if with_identity_branch else []
        if pointwise_depth:
            branches.append(pointwise_branch(*widths, pointwise_depth))
        for k in kernel_sizes:
            factorized = k in factorized_kernel_sizes
            branches.append(reduced_branch(*widths, k, factorized, conv_impl))
        self.branches = nn.ModuleList(branches)

        self.hidden_channels = len(branches) * in_channels
        self.act = MODELS.build(act_cfg)
        self.fuse_conv = PointwiseConv2d(self.hidden_channels, in_channels)

        self.gamma = nn.Parameter(
            layer_scale_init_value * torch.ones(in_channels),
            requires_grad=True) if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(
            drop_path_rate) if drop_path_rate > 0. else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:

        def _inner_forward(x):
            if resolve_conv_impl(self.conv_impl, x) == 'channel_multiplier':
                # oneDNN's NCHW depthwise conv backward is slow on the CPU;
                # channels-last stays so through the block's convs.
                x = x.contiguous(memory_format=torch.channels_last)
            shortcut = x
            t = self.depthwise_conv(x).permute(0, 2, 3, 1)
            # LN2d's channel_first mode would copy to NCHW memory.
            t = self.norm(t, data_format='channel_last').permute(0, 3, 1, 2)
            y = torch.cat([branch(t) for branch in self.branches], dim=1)
            y = self.fuse_conv(self.act(y))
            if self.gamma is not None:
                y = y * self.gamma.view(-1, 1, 1)
            return shortcut + self.drop_path(y)

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)
