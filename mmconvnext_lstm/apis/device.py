# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Run the same configs on GPUs and on machines without any accelerator."""
import torch
from mmengine.config import Config, ConfigDict
from mmengine.device import get_device

from .errors import UsageError


def check_amp_supported() -> None:
    """Refuse mixed precision where mmengine's ``AmpOptimWrapper`` cannot
    run it (it supports CUDA, NPU and MLU devices, not the CPU).

    Raises:
        UsageError: There is no accelerator on this machine.
    """
    if get_device() == 'cpu':
        raise UsageError(
            '--amp needs a GPU (or NPU/MLU) but none is visible on this '
            'machine (torch.cuda.is_available() is False). Drop --amp to '
            'train in full precision on the CPU.')


def _set_device_without_cuda(device) -> None:
    """Stand-in for ``torch.cuda.set_device`` on machines without CUDA:
    there is no device to select, and mmengine's launchers call it
    unconditionally before they initialise the process group."""


def adapt_to_device(cfg: Config) -> Config:
    """Let the recipes run on a machine without an accelerator, with no
    change to the config.

    The recipes are written for GPUs. When no accelerator is visible this
    adds :class:`FlushDenormalHook` (about ten times faster CPU steps for
    layer-scaled models), and for a distributed launch (``--launcher
    pytorch|slurm|mpi``; NCCL, one device per process) switches the process
    group to ``gloo``, wraps the model in DDP without ``device_ids`` (DDP
    refuses them for CPU modules) and makes ``torch.cuda.set_device`` a
    no-op. Nothing changes when an accelerator is present.

    Args:
        cfg (Config): The merged config; ``cfg.launcher`` names the launcher
            (``'none'`` for a single process).

    Returns:
        Config: ``cfg``, changed in place.
    """
    if get_device() != 'cpu':
        return cfg
    custom_hooks = cfg.setdefault('custom_hooks', [])
    if not any(
            hook.get('type') == 'FlushDenormalHook' for hook in custom_hooks):
        custom_hooks.append(ConfigDict(type='FlushDenormalHook'))
    if cfg.get('launcher', 'none') == 'none':
        return cfg
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    env_cfg.setdefault('dist_cfg', ConfigDict())['backend'] = 'gloo'
    wrapper_cfg = cfg.get('model_wrapper_cfg') or ConfigDict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    torch.cuda.set_device = _set_device_without_cuda
    return cfg
