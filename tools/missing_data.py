# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Say which config key points at a dataset folder that is not there, and
what to put in it.

A dataset whose folder does not exist fails deep in mmpretrain with an error
that names no config key: ``CustomDataset`` with a ``FileNotFoundError`` on
a sub-folder, ``CIFAR10``/``CIFAR100`` with urllib's ``URLError`` when they
cannot download their archive (no network), or a ``RuntimeError`` when they
may not download.
"""
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.error import URLError

from mmengine.config import Config
from mmpretrain.registry import DATASETS

from mmconvnext_lstm.utils.errors import ConfigError

# What building a dataset without its folder raises.
MISSING_DATA_ERRORS = (OSError, RuntimeError, ConfigError)


def _dataset_class(dataset: dict) -> Optional[type]:
    dataset_type = dataset.get('type')
    return DATASETS.get(dataset_type) if isinstance(dataset_type,
                                                    str) else None


def _missing_folder(dataset: dict) -> Optional[str]:
    """The folder that ``dataset`` (a dataset config) reads and that does
    not exist: for a dataset that downloads (mmpretrain's ``base_folder``),
    the folder its archive unpacks into; else ``data_root``, then
    ``data_root/data_prefix``."""
    root = dataset.get('data_root')
    if not isinstance(root, str):
        return None
    base_folder = getattr(_dataset_class(dataset), 'base_folder', None)
    prefix = dataset.get('data_prefix')
    if base_folder is not None:
        folders = [osp.join(root, base_folder)]
    elif isinstance(prefix, str) and prefix:
        folders = [root, osp.join(root, prefix)]
    else:
        folders = [root]
    return next((path for path in folders if not osp.isdir(path)), None)


def _advice(cfg: Config, fields: Sequence[str]) -> List[str]:
    """A sentence per missing folder of the datasets of ``fields``: the
    folder, the config keys that lead to it and what to put there."""
    missing: Dict[str, Tuple[dict, List[str]]] = {}
    for field in fields:
        dataset = (cfg.get(field) or {}).get('dataset') or {}
        path = _missing_folder(dataset)
        if path is not None:
            missing.setdefault(
                path, (dataset, []))[1].append(f'{field}.dataset.data_root')
    advice = []
    for path, (dataset, keys) in missing.items():
        dataset_cls = _dataset_class(dataset)
        target = 'it' if len(keys) == 1 else 'them'
        if hasattr(dataset_cls, 'url'):
            fix = (f'download {dataset_cls.url} on a machine with internet '
                   'access and unpack it there with `tar -xzf '
                   f'{dataset_cls.filename} -C {dataset["data_root"]}`, or '
                   f'point {target} at a copy you have')
        else:
            fix = f'put the dataset there, or point {target} at where it is'
        options = ' '.join(f'{key}=DIR' for key in keys)
        advice.append(f'{dataset.get("type")} needs {path} (resolved to '
                      f'{osp.abspath(path)}), from {" and ".join(keys)}: '
                      f'{fix}: --cfg-options {options}.')
    return advice


@contextmanager
def explain_missing_data(cfg: Config, *fields: str) -> Iterator[None]:
    """Turn the error of a dataset built inside the block whose folder does
    not exist into a :class:`ConfigError` that names the folder, the config
    key and, for a dataset that downloads, the archive to fetch.

    Args:
        cfg (Config): The config the block runs.
        *fields (str): The dataloaders the block builds, e.g.
            ``'train_dataloader', 'val_dataloader'``.

    Raises:
        ConfigError: A dataset of ``fields`` lacks its folder. Errors raised
            while every folder exists pass unchanged.
    """
    try:
        yield
    except MISSING_DATA_ERRORS as error:
        advice = _advice(cfg, fields)
        if not advice:
            raise
        if isinstance(error, URLError):
            cause = f' and downloading them failed ({error.reason})'
        else:
            cause = ''
        # Our datasets' own messages say what the folder must hold.
        detail = f' {error}' if isinstance(error, ConfigError) else ''
        raise ConfigError(f'A dataset has no files on this machine{cause}. ' +
                          ' '.join(advice) + detail) from error
