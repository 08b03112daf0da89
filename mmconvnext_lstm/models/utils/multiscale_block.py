# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from mmpretrain.models.backbones.convnext import ConvNeXtBlock
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

# The backbone picks its block from the registry, so ConvNeXt's own block is
# made available there under its class name for the ablation rows.
if 'ConvNeXtBlock' not in MODELS.module_dict:
    MODELS.register_module(module=ConvNeXtBlock)


class ChannelMultiplierConv2d(nn.Conv2d):
    """A grouped conv with one input channel per group, computed as a
    depthwise conv of the input with every channel repeated.

    Both compute the same sums with the same weights (``out_channels``
    filters of shape (1, k, k)), so parameters and outputs are those of
    ``nn.Conv2d(..., groups=in_channels)``; but oneDNN runs depthwise convs
    far faster than grouped ones (9x forward and backward for the 14x14
    stage's 3x3 branch on a CPU). The repeated input is channels-last, as
    the rest of the block.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        multiplier = self.out_channels // self.in_channels
        x = x.permute(0, 2, 3, 1).repeat_interleave(
            multiplier, dim=-1).permute(0, 3, 1, 2)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.out_channels)


def _grouped_conv(channels: int, kernel_size: int,
                  factorized: bool) -> nn.Module:
    """A k x k conv that doubles the width of a reduced branch.

    Each input channel feeds two output channels (``groups=channels``), as
    the paper's multi-scale branches are cheap, Inception-style filters on
    the reduced width. ``factorized`` computes it as a 1 x k conv followed by
    a depthwise k x 1 conv (Table 7's design C).
    """
    pad = kernel_size // 2
    if not factorized:
        return ChannelMultiplierConv2d(
            channels, 2 * channels, kernel_size, padding=pad, groups=channels)
    return nn.Sequential(
        ChannelMultiplierConv2d(
            channels,
            2 * channels, (1, kernel_size),
            padding=(0, pad),
            groups=channels),
        nn.Conv2d(
            2 * channels,
            2 * channels, (kernel_size, 1),
            padding=(pad, 0),
            groups=2 * channels),
    )


@MODELS.register_module()
class MultiScaleConvNeXtBlock(BaseModule):
    """The paper's "New Block": a ConvNeXt block with Inception-style
    multi-scale branches in place of the 1x1 expansion.

    Our reading of section 3.3 of `ConvNeXt Feature Extraction Study for
    Image Data` (Figure 4 is missing from the paper)::

        t  = LN(DWConv7x7(x))                         C channels
        b0 = t                                        identity branch
        b1 = Conv1x1(t)                               C -> C
        bk = GConvKxK(Conv1x1(t): C -> C/r), K = 3, 5  C/r -> C
        y  = Conv1x1(GELU(cat[b0, b1, b3, b5]))        4C -> C
        out = x + DropPath(gamma * y)

    With the default two kernels the concatenation is 4C wide, the hidden
    width of ConvNeXt's inverted bottleneck. The 1x1 convs that read ``t``
    (``b1`` and the reductions of every ``bk``) are computed as one matmul.

    Args:
        in_channels (int): The number of input channels.
        dw_conv_cfg (dict): Config of the depthwise convolution.
            Defaults to ``dict(kernel_size=7, padding=3)``.
        kernel_sizes (Sequence[int]): Kernel sizes of the reduced branches;
            each is a 1x1 reduction to ``in_channels // reduction_ratio``
            followed by a grouped k x k conv back to ``in_channels``.
            ``(3, 5, 7)`` is Table 7's design A. Defaults to ``(3, 5)``.
        factorized_kernel_sizes (Sequence[int]): Kernel sizes from
            ``kernel_sizes`` computed as a 1 x k then a k x 1 conv.
            ``(3, )`` is Table 7's design C. Defaults to ``()``.
        reduction_ratio (int): Width reduction of the 1x1 conv in front of
            every k x k conv. Defaults to 2.
        pointwise_depth (int): Number of 1x1 convs in the pointwise branch.
            1 is a single ``C -> C`` conv; 2 is ``C -> C/r -> C``, our
            reading of Table 7's design B ("two 1x1 convs"). 0 drops the
            branch. Defaults to 1.
        with_identity_branch (bool): Whether to concatenate the depthwise
            conv's normalised output itself (the paper's feature reuse).
            Defaults to True.
        norm_cfg (dict): The config dict for norm layers.
            Defaults to ``dict(type='LN2d', eps=1e-6)``.
        act_cfg (dict): The config dict for the activation after the
            concatenation. Defaults to ``dict(type='GELU')``.
        drop_path_rate (float): Stochastic depth rate. Defaults to 0.
        layer_scale_init_value (float): Init value for Layer Scale; 0
            disables it. Defaults to 1e-6.
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
                 with_cp: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if in_channels % reduction_ratio != 0:
            raise ValueError(
                f'in_channels ({in_channels}) must be divisible by '
                f'reduction_ratio ({reduction_ratio}).')
        unknown = set(factorized_kernel_sizes) - set(kernel_sizes)
        if unknown:
            raise ValueError(
                f'factorized_kernel_sizes {sorted(unknown)} are not in '
                f'kernel_sizes {tuple(kernel_sizes)}.')
        if any(k % 2 == 0 or k < 1 for k in kernel_sizes):
            raise ValueError('kernel_sizes must be odd positive integers to '
                             f'keep the map size, got {tuple(kernel_sizes)}.')
        if pointwise_depth not in (0, 1, 2):
            raise ValueError(
                f'pointwise_depth must be 0, 1 or 2, got {pointwise_depth}.')
        if not (with_identity_branch or pointwise_depth or kernel_sizes):
            raise ValueError('The block needs at least one branch.')

        self.with_cp = with_cp
        self.with_identity_branch = with_identity_branch
        reduced = in_channels // reduction_ratio

        self.depthwise_conv = nn.Conv2d(
            in_channels, in_channels, groups=in_channels, **dw_conv_cfg)
        self.norm = build_norm_layer(norm_cfg, in_channels)

        # Widths of the fused 1x1 conv's output, one slice per branch that
        # starts with a 1x1 conv on ``t``.
        self.split_sizes = []
        if pointwise_depth:
            self.split_sizes.append(in_channels if pointwise_depth ==
                                    1 else reduced)
        self.split_sizes += [reduced] * len(kernel_sizes)
        self.pointwise_conv = nn.Linear(in_channels, sum(
            self.split_sizes)) if self.split_sizes else None
        # Design B's second 1x1 conv of the pointwise branch.
        self.pointwise_expand = nn.Linear(
            reduced, in_channels) if pointwise_depth == 2 else None
        self.with_pointwise_branch = pointwise_depth > 0

        self.branch_convs = nn.ModuleList([
            _grouped_conv(reduced, k, k in factorized_kernel_sizes)
            for k in kernel_sizes
        ])

        num_branches = (
            int(with_identity_branch) + int(pointwise_depth > 0) +
            len(kernel_sizes))
        self.hidden_channels = num_branches * in_channels
        self.act = MODELS.build(act_cfg)
        self.fuse_conv = nn.Linear(self.hidden_channels, in_channels)

        self.gamma = nn.Parameter(
            layer_scale_init_value * torch.ones(in_channels),
            requires_grad=True) if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(
            drop_path_rate) if drop_path_rate > 0. else nn.Identity()

    def _branches(self, t: torch.Tensor) -> list:
        """All branch outputs of the normalised map ``t`` (N, H, W, C)."""
        branches = [t] if self.with_identity_branch else []
        if self.pointwise_conv is None:
            return branches
        reduced = self.pointwise_conv(t).split(self.split_sizes, dim=-1)
        if self.with_pointwise_branch:
            pointwise, reduced = reduced[0], reduced[1:]
            if self.pointwise_expand is not None:
                pointwise = self.pointwise_expand(pointwise)
            branches.append(pointwise)
        for conv, r in zip(self.branch_convs, reduced):
            # Spatial convs run channels-first; the permutes are views.
            branches.append(conv(r.permute(0, 3, 1, 2)).permute(0, 2, 3, 1))
        return branches

    def forward(self, x: torch.Tensor) -> torch.Tensor:

        def _inner_forward(x):
            # In channels-last memory the NHWC permutes below are free views
            # and the depthwise conv's backward avoids oneDNN's slow NCHW
            # path on the CPU; the block's output stays channels-last.
            shortcut = x = x.contiguous(memory_format=torch.channels_last)
            t = self.depthwise_conv(x).permute(0, 2, 3, 1)
            t = self.norm(t, data_format='channel_last')
            y = self.act(torch.cat(self._branches(t), dim=-1))
            y = self.fuse_conv(y)
            if self.gamma is not None:
                y = y * self.gamma
            return shortcut + self.drop_path(y.permute(0, 3, 1, 2))

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)
