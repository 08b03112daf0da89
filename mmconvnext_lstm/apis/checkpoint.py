# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Check a checkpoint before a run relies on it.

mmengine reports an unreadable checkpoint with torch's internal message
("PytorchStreamReader failed reading zip archive: failed finding central
directory") and loads a checkpoint of another model with a warning only,
which then tests a randomly initialised network. These checks say which
file is wrong and why.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.model import is_model_wrapper
from torch import nn

from .errors import CheckpointError

# Keys shown in an error message, enough to recognise a model.
_NUM_KEYS_SHOWN = 3


def _strip_prefix(keys, prefix: str = 'module.') -> set:
    """Drop the prefix DDP-wrapped models save their keys with."""
    return {k[len(prefix):] if k.startswith(prefix) else k for k in keys}


def check_checkpoint(filename: str, model: Optional[nn.Module] = None) -> None:
    """Raise a clear error if ``filename`` cannot serve as a checkpoint.

    Remote checkpoints (``http://``, ``s3://``...) are left to mmengine.

    Args:
        filename (str): Path of the checkpoint (``.pth``) file.
        model (nn.Module, optional): The model the checkpoint is for. When
            given, the checkpoint must hold at least one of its parameters.
            Defaults to None.

    Raises:
        CheckpointError: The file is missing, truncated or not a PyTorch
            checkpoint, or holds none of ``model``'s parameters.
    """
    if '://' in filename:
        return
    if not osp.isfile(filename):
        raise CheckpointError(
            f'Checkpoint {filename} does not exist (resolved to '
            f'{osp.abspath(filename)}). Give the path of a .pth file written '
            'by tools/train.py.')
    try:
        # Loads with torch's defaults, as mmengine does (weights_only since
        # torch 2.6; importing mmconvnext_lstm allow-lists mmengine's types).
        checkpoint = torch.load(filename, map_location='cpu')
    except Exception as error:
        raise CheckpointError(
            f'Cannot read checkpoint {filename}: it is truncated, corrupt or '
            f'not a PyTorch checkpoint ({type(error).__name__}: {error}). '
            'If a run was killed while saving it, use the previous epoch\'s '
            'checkpoint in the same work dir.') from error
    state_dict = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state_dict, dict) or not any(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointError(
            f'{filename} is a readable file but not a model checkpoint: it '
            'has no "state_dict" with tensors. Give a .pth file written by '
            'tools/train.py (or torch.save(model.state_dict())).')
    if model is None:
        return
    if is_model_wrapper(model):
        model = model.module
    model_keys = set(model.state_dict())
    checkpoint_keys = _strip_prefix(state_dict)
    if not model_keys & checkpoint_keys:
        shown = sorted(checkpoint_keys)[:_NUM_KEYS_SHOWN]
        expected = sorted(model_keys)[:_NUM_KEYS_SHOWN]
        raise CheckpointError(
            f'{filename} holds none of the parameters of the configured '
            f'model (checkpoint keys: {shown}...; model keys: {expected}...). '
            'It was trained with another model: use the config the '
            'checkpoint was trained with.')
