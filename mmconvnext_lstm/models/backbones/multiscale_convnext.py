# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from typing import Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import ModuleList, Sequential
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.backbones.convnext import ConvNeXt
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ...utils.errors import ConfigError
from ..utils.checks import (check_choice, check_drop_path_rate,
                            check_layer_scale_init_value)
from ..utils.depthwise_conv import resolve_conv_impl

# The convs of each stem, before its norm: ConvNeXt's 4x4 stride-4 conv, or
# the paper's 7x7 stride-2 conv (overlapping windows) and 2x2 stride-2 conv.
STEM_CONVS = {
    'patchify': [dict(kernel_size=4, stride=4)],
    'overlap':
    [dict(kernel_size=7, stride=2, padding=3),
     dict(kernel_size=2, stride=2)],
}


def min_input_size(layers: nn.Module) -> int:
    """The smallest input side for which every Conv2d in ``layers`` leaves
    a map of at least one pixel."""
    size = 1
    convs = [m for m in layers.modules() if isinstance(m, nn.Conv2d)]
    for conv in reversed(convs):
        # The inverse of floor((s + 2p - d(k - 1) - 1) / stride) + 1 >= size.
        size = max(1, (size - 1) * conv.stride[0] + conv.dilation[0] *
                   (conv.kernel_size[0] - 1) + 1 - 2 * conv.padding[0])
    return size


@MODELS.register_module()
class MultiScaleConvNeXt(BaseBackbone):
    """The convolutional part of ConvNeXt-LSTM, the improved ConvNeXt-T of
    `ConvNeXt Feature Extraction Study for Image Data
    <https://www.jsjkx.com/EN/10.11896/jsjkx.230500196>`_.

    ConvNeXt with the paper's two-conv stem and multi-scale "New Block"
    (:class:`MultiScaleConvNeXtBlock`); ConvNeXt's stem and block are config
    switches, so every ablation row of the paper is a config. The module
    layout and key names are ConvNeXt's.

    Args:
        arch (str | dict): A key of ``arch_settings``, or a dict with
            ``depths`` (blocks per stage) and ``channels`` (per stage).
            Defaults to 'tiny'.
        in_channels (int): Number of input image channels. Defaults to 3.
        stem_type (str): ``'overlap'`` for the paper's 7x7 stride-2 plus 2x2
            stride-2 convs, ``'patchify'`` for ConvNeXt's 4x4 stride-4 conv.
            Defaults to 'overlap'.
        block_cfg (dict): Config of the blocks, with the per-block
            arguments added (mmpretrain's ``ConvNeXtBlock`` for ConvNeXt's
            block); its ``conv_impl`` also sets the stem's memory format.
            Defaults to ``dict(type='MultiScaleConvNeXtBlock')``.
        norm_cfg (dict): The config dict for norm layers.
            Defaults to ``dict(type='LN2d', eps=1e-6)``.
        act_cfg (dict): The config dict for the blocks' activation.
            Defaults to ``dict(type='GELU')``.
        drop_path_rate (float): Stochastic depth rate of the last block, in
            [0, 1); it grows linearly from 0 at the first. Defaults to 0.
        layer_scale_init_value (float): Init value for Layer Scale, >= 0; 0
            disables it. Defaults to 1e-6.
        out_indices (Sequence | int): Output from which stages.
            Defaults to -1, means the last stage.
        frozen_stages (int): Stages to be frozen (all param fixed).
            Defaults to 0, which means not freezing any parameters.
        gap_before_final_norm (bool): Whether to globally average the feature
            map before the final norm layer; False feeds the normalised map
            to :class:`BiLSTM2D`. Defaults to True.
        with_cp (bool): Use checkpoint or not. Using checkpoint will save some
            memory while slowing down the training speed. Defaults to False.
        init_cfg (dict, optional): Initialization config dict
    """
    arch_settings = {
        'tiny': {
            'depths': [3, 3, 9, 3],
            'channels': [64, 128, 320, 512]
        },
    }

    # ConvNeXt's attributes and parameter names, hence its layer-wise
    # depths, freezing and (after our checks) forward.
    get_layer_depth = ConvNeXt.get_layer_depth
    _freeze_stages = ConvNeXt._freeze_stages

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 in_channels: int = 3,
                 stem_type: str = 'overlap',
                 block_cfg: dict = dict(type='MultiScaleConvNeXtBlock'),
                 norm_cfg: dict = dict(type='LN2d', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 gap_before_final_norm: bool = True,
                 with_cp: bool = False,
                 init_cfg=[
                     dict(
                         type='TruncNormal',
                         layer=['Conv2d', 'Linear'],
                         std=.02,
                         bias=0.),
                     dict(
                         type='Constant', layer=['LayerNorm'], val=1.,
                         bias=0.),
                 ]):
        super().__init__(init_cfg=init_cfg)

        self.depths, self.channels = self._parse_arch(arch)
        self.num_stages = len(self.depths)
        self.out_indices = self._parse_out_indices(out_indices,
                                                   self.num_stages)
        if frozen_stages not in range(self.num_stages + 1):
            raise ConfigError(
                'frozen_stages must be an int from 0 (train all) to '
                f'{self.num_stages}, got {frozen_stages!r}.')
        check_choice('stem_type', stem_type, tuple(STEM_CONVS))
        check_drop_path_rate(drop_path_rate)  # ConvNeXtBlock does not
        check_layer_scale_init_value(layer_scale_init_value)
        self.frozen_stages = frozen_stages
        # The blocks' kernels decide the stem's memory format too.
        self.conv_impl = block_cfg.get('conv_impl', 'auto')
        self.gap_before_final_norm = gap_before_final_norm

        # Stochastic depth grows linearly from 0 to drop_path_rate.
        rates = iter(torch.linspace(0, drop_path_rate, sum(self.depths)))
        block_args = dict(
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            layer_scale_init_value=layer_scale_init_value,
            with_cp=with_cp)
        # The stem, then a downsample layer before each further stage.
        stem = [
            nn.Conv2d(in_channels if i == 0 else self.channels[0],
                      self.channels[0], **conv)
            for i, conv in enumerate(STEM_CONVS[stem_type])
        ]
        self.downsample_layers = ModuleList([
            nn.Sequential(*stem, build_norm_layer(norm_cfg, self.channels[0]))
        ])
        self.stages = ModuleList()
        for i, (depth, channels) in enumerate(zip(self.depths, self.channels)):
            if i >= 1:
                self.downsample_layers.append(
                    nn.Sequential(
                        build_norm_layer(norm_cfg, self.channels[i - 1]),
                        nn.Conv2d(
                            self.channels[i - 1],
                            channels,
                            kernel_size=2,
                            stride=2)))
            self.stages.append(
                Sequential(*[
                    MODELS.build(
                        block_cfg,
                        default_args=dict(
                            in_channels=channels,
                            drop_path_rate=next(rates).item(),
                            **block_args)) for _ in range(depth)
                ]))
            if i in self.out_indices:
                self.add_module(f'norm{i}',
                                build_norm_layer(norm_cfg, channels))

        self.min_input_size = min_input_size(self.downsample_layers)
        self._freeze_stages()

    @classmethod
    def _parse_arch(cls, arch):
        if isinstance(arch, str):
            if arch not in cls.arch_settings:
                raise ConfigError(
                    f'Unknown arch {arch!r} for {cls.__name__}; choose one '
                    f'of {sorted(cls.arch_settings)} or pass a dict with '
                    '"depths" and "channels".')
            arch = cls.arch_settings[arch]
        parts = arch if isinstance(arch, dict) else {}
        depths = list(parts.get('depths', ()))
        channels = list(parts.get('channels', ()))
        if len(depths) != len(channels) or not depths:
            raise ConfigError(
                'An arch dict needs "depths" and "channels" lists, non-empty '
                f'and of the same length, got {arch!r}.')
        return depths, channels

    @staticmethod
    def _parse_out_indices(out_indices, num_stages):
        indices = [out_indices] if isinstance(out_indices,
                                              int) else out_indices
        valid = isinstance(indices, Sequence) and all(
            isinstance(i, int) and -num_stages <= i < num_stages
            for i in indices)
        parsed = [index % num_stages for index in indices] if valid else []
        if not valid or len(set(parsed)) < len(parsed):
            raise ConfigError(
                'out_indices must be a stage index or a sequence of distinct '
                f'ones, from {-num_stages} to {num_stages - 1} (this arch has '
                f'{num_stages} stages), got {out_indices!r}.')
        return parsed

    def forward(self, x):
        height, width = x.shape[-2:]
        if min(height, width) < self.min_input_size:
            raise ConfigError(
                f'The input of {height}x{width} px is too small for '
                f'{type(self).__name__}: the last stage\'s feature map '
                'would be empty. Resize or crop images to at least '
                f'{self.min_input_size}x{self.min_input_size} px in the data '
                'pipeline (its `scale`/`crop_size`).')
        if resolve_conv_impl(self.conv_impl, x) == 'channel_multiplier':
            # oneDNN's CPU convs: the stem's backward is about 1.7x faster
            # channels-last (measured on an AVX2 CPU).
            x = x.contiguous(memory_format=torch.channels_last)
        return ConvNeXt.forward(self, x)

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self
