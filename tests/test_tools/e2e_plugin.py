# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Modules the end-to-end tests import into the tools' processes (through
``custom_imports``; the tests put this folder on PYTHONPATH)."""
import os.path as osp
import time

from mmengine.hooks import Hook
from mmengine.model import BaseModule
from mmpretrain.datasets import CIFAR10
from mmpretrain.registry import DATASETS, HOOKS, MODELS

from mmconvnext_lstm.utils.errors import ConfigError


@DATASETS.register_module()
class UncheckedCIFAR10(CIFAR10):
    """mmpretrain's CIFAR10 without the md5 check of the original archive's
    files, so that it reads the synthetic batches of make_cifar10()."""

    def _check_integrity(self):
        return True


@HOOKS.register_module()
class PauseAtIteration(Hook):
    """Stop in the middle of an epoch so that a test can kill the run there.

    Args:
        epoch (int): 0-based epoch to stop in.
        batch_idx (int): Batch of that epoch to stop after.
        marker (str): File written when stopped (with the epoch and the
            iterations done), for the test to wait on.
    """

    def __init__(self, epoch: int, batch_idx: int, marker: str):
        self.epoch = epoch
        self.batch_idx = batch_idx
        self.marker = marker

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.epoch == self.epoch and batch_idx == self.batch_idx:
            # runner.iter counts this iteration only after the hooks.
            with open(self.marker, 'w') as f:
                f.write(f'{runner.epoch} {runner.iter + 1}')
            while osp.exists(self.marker):  # until the test kills us
                time.sleep(1)


@MODELS.register_module()
class RefusingBackbone(BaseModule):
    """A backbone that refuses its config value as the model's own checks
    do, to test how the tools report it.

    Args:
        depth (int): Refused unless positive.
    """

    def __init__(self, depth: int):
        if depth <= 0:
            raise ConfigError(f'depth must be positive, got {depth}: set '
                              'model.backbone.depth to 1 or more.')
        super().__init__()
