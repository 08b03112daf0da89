# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Run the recipes, written for GPUs, on a machine without any accelerator.

The one place where tools/train.py and tools/test.py go beyond mmpretrain's
to run on the CPU. With an accelerator nothing here changes the config.
"""
import os

import torch
from mmengine.config import Config, ConfigDict
from mmengine.device import get_device

from mmconvnext_lstm.utils.errors import UsageError

# What torchrun (and `python -m torch.distributed.launch`) sets in each
# process it starts; mmengine's `pytorch` launcher reads them. LOCAL_RANK is
# left out: the tools set it from --local-rank themselves.
TORCHRUN_VARIABLES = ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')


def check_amp_supported() -> None:
    """Refuse mixed-precision training where mmengine's ``AmpOptimWrapper``
    cannot run it (CUDA, NPU, MLU and MUSA devices only, not the CPU).

    Raises:
        UsageError: There is no accelerator on this machine.
    """
    if get_device() == 'cpu':
        raise UsageError(
            '--amp needs a GPU (or NPU/MLU) but none is visible on this '
            'machine (torch.cuda.is_available() is False). Drop --amp to '
            'train in full precision on the CPU.')


def _set_device_without_cuda(device) -> None:
    """Stand-in for ``torch.cuda.set_device`` where there is no CUDA: there
    is no device to select, and mmengine's launchers call it before they
    initialise the process group."""


def adapt_to_device(cfg: Config) -> Config:
    """Check that ``cfg`` can be launched as asked, and fit it to a machine
    without an accelerator.

    ``launcher='pytorch'`` needs the variables torchrun sets in each process
    (mmengine ends in ``KeyError: 'RANK'`` otherwise). Without an
    accelerator, dataloaders do not pin memory (there is no device to copy
    to, and torch warns about it on every loader), and a distributed launch
    (``pytorch``, ``slurm``, ``mpi``; written for NCCL, one GPU per process)
    uses the ``gloo`` backend, DDP without ``device_ids`` (DDP refuses them
    for CPU modules) and a no-op ``torch.cuda.set_device``.

    Args:
        cfg (Config): The merged config; ``cfg.launcher`` names the launcher
            (``'none'`` for a single process).

    Returns:
        Config: ``cfg``, changed in place.

    Raises:
        UsageError: ``launcher='pytorch'`` outside torchrun.
    """
    launcher = cfg.get('launcher', 'none')
    missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
    if launcher == 'pytorch' and missing:
        raise UsageError(
            '--launcher pytorch runs one process per device under torchrun, '
            f'which sets {", ".join(TORCHRUN_VARIABLES)}; '
            f'{", ".join(missing)} is not set. Start the run with '
            '`bash tools/dist_train.sh CONFIG NUM_PROCS` (dist_test.sh for '
            'tests), or `torchrun --nproc-per-node NUM_PROCS tools/train.py '
            'CONFIG --launcher pytorch`; for a single process, drop '
            '--launcher.')
    if get_device() != 'cpu':
        return cfg
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field):
            cfg[field].pin_memory = False
    if launcher == 'none':
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
