# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""How well a checkpoint's weights fit a model: which of the model's
tensors it holds with the right shape, which it lacks, and what else it
holds."""
import re
from dataclasses import dataclass, field
from typing import List, Tuple

import torch

# Keys shown per kind of difference, enough to recognise a model.
_NUM_KEYS_SHOWN = 3


@dataclass
class StateDictFit:
    """The comparison of a checkpoint's state dict with a model's.

    Args:
        missing (list[str]): Model keys the checkpoint lacks.
        unexpected (list[str]): Checkpoint keys the model lacks.
        mismatched (list[tuple]): ``(key, checkpoint shape, model shape)``
            of the keys both have with other shapes.
        loaded_elements (int): Elements of the model's tensors that load.
        total_elements (int): Elements of all the model's tensors.
        loaded_tensors (int): The model's tensors that load.
        total_tensors (int): All the model's tensors.
    """
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    loaded_elements: int = 0
    total_elements: int = 0
    loaded_tensors: int = 0
    total_tensors: int = 0

    @property
    def complete(self) -> bool:
        """Whether every tensor of each side loads into the other."""
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        """The differences in words, with a few keys of each kind."""
        parts = []
        if self.missing:
            parts.append(
                f'it lacks {len(self.missing)} of the model\'s '
                f'{self.total_tensors} tensors ({_some(self.missing)})')
        if self.unexpected:
            parts.append(f'it holds {_tensors(len(self.unexpected))} the '
                         f'model does not have ({_some(self.unexpected)})')
        if self.mismatched:
            shown = ', '.join(
                f'{key}: {tuple(ckpt)} in the checkpoint, {tuple(model)} in '
                'the model'
                for key, ckpt, model in self.mismatched[:_NUM_KEYS_SHOWN])
            parts.append(f'shapes differ for '
                         f'{_tensors(len(self.mismatched))} ({shown})')
        return '; '.join(parts)


def _tensors(count: int) -> str:
    return f'{count} tensor' + ('' if count == 1 else 's')


def _some(keys: List[str]) -> str:
    shown = ', '.join(keys[:_NUM_KEYS_SHOWN])
    return f'e.g. {shown}' if len(keys) > _NUM_KEYS_SHOWN else shown


def checkpoint_state_dict(checkpoint: dict) -> dict:
    """The weights of a checkpoint as mmengine's ``load_checkpoint`` takes
    them: its ``state_dict`` (or the dict itself), without the ``module.``
    prefix of models saved inside a DDP wrapper."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    return {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items()
    } if isinstance(state_dict, dict) else {}


def compare_state_dicts(model_state: dict,
                        checkpoint_state: dict) -> StateDictFit:
    """Compare the keys and shapes of two state dicts.

    Args:
        model_state (dict): ``model.state_dict()``.
        checkpoint_state (dict): The checkpoint's, see
            :func:`checkpoint_state_dict`.

    Returns:
        StateDictFit: What loads and what does not.
    """
    fit = StateDictFit(
        unexpected=sorted(set(checkpoint_state) - set(model_state)))
    for key, tensor in model_state.items():
        numel = tensor.numel() if isinstance(tensor, torch.Tensor) else 0
        fit.total_tensors += 1
        fit.total_elements += numel
        if key not in checkpoint_state:
            fit.missing.append(key)
            continue
        shape = getattr(checkpoint_state[key], 'shape', None)
        if isinstance(tensor, torch.Tensor) and shape != tensor.shape:
            fit.mismatched.append((key, tuple(shape or ()), tensor.shape))
            continue
        fit.loaded_tensors += 1
        fit.loaded_elements += numel
    return fit
