# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Helpers shared by tests in several folders (tests/ is on sys.path)."""
import copy
import functools
import os.path as osp

import pytest
import torch
import yaml
from mmengine.config import Config

needs_cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(),
    reason='checks the behaviour of a machine without GPU')

# Parametrise a test over these to run it on every device this machine has;
# the CUDA cases skip, with the reason, where no GPU is visible.
DEVICES = [
    pytest.param('cpu', id='cpu'),
    pytest.param(
        'cuda',
        id='cuda',
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='needs a CUDA GPU')),
]

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')


@functools.lru_cache(maxsize=None)
def _parse_config(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_ROOT, name))


def load_config(name: str) -> Config:
    """A config by its path under configs/: a copy of the one parsed once,
    so that a test may change it (building a model fills in its dicts)."""
    return copy.deepcopy(_parse_config(name))


def metafile_models() -> list:
    """Every model entry of the metafiles that model-index.yml imports."""
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    models = []
    for metafile in metafiles:
        with open(osp.join(REPO_ROOT, metafile)) as f:
            models += yaml.safe_load(f)['Models']
    return models
