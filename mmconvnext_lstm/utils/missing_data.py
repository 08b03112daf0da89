# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Say where a dataset's files go when they are missing and cannot be
downloaded.

mmpretrain's CIFAR10 and CIFAR100 download their archive into ``data_root``
when the files are not there; on a machine without network access that ends
in urllib's ``URLError`` and a traceback that names neither the folder nor
what to put in it.
"""
import os.path as osp
from contextlib import contextmanager
from typing import Iterator, List
from urllib.error import URLError

from mmengine.config import Config
from mmpretrain.registry import DATASETS

from .errors import UsageError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _missing_downloads(cfg: Config) -> List[str]:
    """What to place where, for each of ``cfg``'s datasets that downloads
    its files (mmpretrain's ``url``, ``filename`` and ``base_folder``) and
    lacks them."""
    advice = []
    for field in DATALOADERS:
        dataset = (cfg.get(field) or {}).get('dataset') or {}
        dataset_type = dataset.get('type')
        dataset_cls = DATASETS.get(dataset_type) if isinstance(
            dataset_type, str) else None
        folder = getattr(dataset_cls, 'base_folder', None)
        root = dataset.get('data_root')
        if folder is None or root is None or osp.isdir(osp.join(root, folder)):
            continue
        line = (f'{dataset_type} needs {osp.join(root, folder)} (resolved '
                f'to {osp.abspath(osp.join(root, folder))}): download '
                f'{dataset_cls.url} on a machine with internet access and '
                f'unpack it there with `tar -xzf {dataset_cls.filename} -C '
                f'{root}`.')
        if line not in advice:
            advice.append(line)
    return advice


@contextmanager
def explain_download_errors(cfg: Config) -> Iterator[None]:
    """Turn a failed dataset download inside the block into a
    :class:`UsageError` that says which folder lacks which files.

    Args:
        cfg (Config): The config the block runs.

    Raises:
        UsageError: A dataset of ``cfg`` lacks its files and could not
            download them. Other download errors pass unchanged.
    """
    try:
        yield
    except URLError as error:
        advice = _missing_downloads(cfg)
        if not advice:
            raise
        raise UsageError(
            f'A dataset has no files on this machine and downloading them '
            f'failed ({error.reason}). ' + ' '.join(advice) +
            ' Or use a copy you have: --cfg-options ' +
            ' '.join(f'{field}.dataset.data_root=DIR'
                     for field in DATALOADERS) + '.') from error
