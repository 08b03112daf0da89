# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from functools import lru_cache
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ...utils.errors import ConfigError
from ..utils.checks import check_choice


@lru_cache(maxsize=None)
def lstm_autocast_supported(device_type: str, dtype: torch.dtype) -> bool:
    """Whether ``nn.LSTM`` trains under ``torch.autocast(device_type,
    dtype)`` here, probed once per process: oneDNN has a bf16 LSTM only on
    CPUs with native bf16 and an fp16 one on none; cuDNN has both."""
    lstm = nn.LSTM(2, 2, batch_first=True).to(device_type)
    x = torch.zeros(1, 1, 2, device=device_type, requires_grad=True)
    try:
        with torch.autocast(device_type, dtype=dtype):
            lstm(x)[0].sum().backward()
    except RuntimeError:
        return False
    return True


@MODELS.register_module()
class BiLSTM2D(BaseModule):
    """The paper's BiLSTM2D layer as a neck between a backbone and a head.

    As in Sequencer2D (`Sequencer: Deep LSTM for Image Classification
    <https://arxiv.org/abs/2205.01972>`_), a vertical bidirectional LSTM runs
    down every column and a horizontal one along every row of the (B, C, H,
    W) map; an FC layer maps their concatenated outputs (4D) back to C, added
    to the input, pooled and normalised for a :class:`LinearClsHead`. The
    input is the backbone's normalised map (``gap_before_final_norm=False``).
    Under autocast the LSTMs run in fp32 where the device has no LSTM kernel
    for the dtype (:func:`lstm_autocast_supported`).

    Args:
        in_channels (int): Channels of the input map (the backbone's last
            stage).
        hidden_channels (int, optional): Hidden size D of each LSTM.
            Defaults to None, which means ``in_channels // 4`` (the paper's).
        pooling (str, optional): ``'avg'`` for global average pooling, or
            None to return the (B, C, H, W) map for dense tasks.
            Defaults to 'avg'.
        residual (bool): Whether to add the input map to the FC output.
            Defaults to True.
        norm_cfg (dict, optional): Config of the norm after pooling (of the
            map's channels when ``pooling=None``), or None.
            Defaults to ``dict(type='LN', eps=1e-6)``.
        init_cfg (dict, optional): Initialization config dict.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: Optional[int] = None,
                 pooling: Optional[str] = 'avg',
                 residual: bool = True,
                 norm_cfg: Optional[dict] = dict(type='LN', eps=1e-6),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_choice('pooling', pooling, ('avg', None))
        if hidden_channels is None:
            hidden_channels = in_channels // 4
        if min(in_channels, hidden_channels) < 1:
            raise ConfigError(
                'in_channels and hidden_channels must be at least 1, got '
                f'{in_channels} and {hidden_channels}; leave hidden_channels '
                'None for in_channels // 4 or give a positive int.')
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.pooling = pooling
        self.residual = residual

        self.lstm_v = nn.LSTM(
            in_channels, hidden_channels, batch_first=True, bidirectional=True)
        self.lstm_h = nn.LSTM(
            in_channels, hidden_channels, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * hidden_channels, in_channels)
        self.norm = build_norm_layer(
            norm_cfg, in_channels) if norm_cfg else nn.Identity()

    @staticmethod
    def run_lstm(lstm: nn.LSTM, sequences: torch.Tensor) -> torch.Tensor:
        """The outputs of ``lstm`` for (N, L, C) ``sequences``, in fp32
        where autocast has no LSTM kernel for its dtype."""
        # After DDP's replication or .to() cuDNN would warn and copy the
        # weights into one chunk on every call; a no-op on the CPU.
        lstm.flatten_parameters()
        device_type = sequences.device.type
        if torch.is_autocast_enabled(device_type) and not \
                lstm_autocast_supported(
                    device_type, torch.get_autocast_dtype(device_type)):
            with torch.autocast(device_type, enabled=False):
                return lstm(sequences.float())[0]
        return lstm(sequences)[0]

    def bilstm2d(self, x: torch.Tensor) -> torch.Tensor:
        """The BiLSTM2D mixing of an (B, H, W, C) map, same shape out."""
        B, H, W, C = x.shape
        vertical = self.run_lstm(self.lstm_v,
                                 x.transpose(1, 2).reshape(B * W, H, C))
        vertical = vertical.reshape(B, W, H, -1).transpose(1, 2)
        horizontal = self.run_lstm(self.lstm_h, x.reshape(B * H, W, C))
        horizontal = horizontal.reshape(B, H, W, -1)
        return self.fc(torch.cat([vertical, horizontal], dim=-1))

    def forward(
        self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor]:
        """The (B, C) features (the (B, C, H, W) map if ``pooling`` is None)
        of a map, or of the last map of the backbone's tuple."""
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if x.dim() != 4:
            raise ConfigError(
                'BiLSTM2D needs a (B, C, H, W) feature map, got a tensor of '
                f'shape {tuple(x.shape)}. Set the backbone\'s '
                'gap_before_final_norm=False so it returns the map.')
        if x.shape[1] != self.in_channels:
            raise ConfigError(
                f'BiLSTM2D was built with in_channels={self.in_channels} but '
                f'the backbone gives {x.shape[1]} channels; set the neck\'s '
                f'in_channels to {x.shape[1]}.')
        x = x.permute(0, 2, 3, 1)
        y = self.bilstm2d(x)
        if self.residual:
            y = y + x
        if self.pooling is None:
            return (self.norm(y).permute(0, 3, 1, 2), )
        return (self.norm(y.mean((1, 2))), )
