# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Dataloader settings of a config that the tools adjust before a run."""
from typing import List

from mmengine.config import Config
from mmengine.logging import print_log

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def drop_persistent_workers_without_workers(cfg: Config) -> List[str]:
    """Switch ``persistent_workers`` off in the dataloaders of ``cfg`` that
    have no worker processes, and say so once.

    mmpretrain's tools/train.py asks every dataloader for persistent
    workers, which PyTorch refuses for ``num_workers=0`` (``ValueError:
    persistent_workers option needs num_workers > 0``), the setting that
    loads the data in the training process itself, e.g. to debug a dataset.
    With no worker there is nothing to keep alive, so switching the option
    off changes nothing else.

    Args:
        cfg (Config): The config to adjust, in place.

    Returns:
        list[str]: The dataloaders changed, e.g. ``['train_dataloader']``.
    """
    changed = [
        field for field in DATALOADERS
        if cfg.get(field) and cfg[field].get('persistent_workers')
        and not cfg[field].get('num_workers', 0)
    ]
    for field in changed:
        cfg[field]['persistent_workers'] = False
    if changed:
        print_log(
            f'{", ".join(f"{field}.num_workers" for field in changed)} is 0'
            ': loading in the main process, so persistent_workers is '
            'switched off there.',
            logger='current')
    return changed
