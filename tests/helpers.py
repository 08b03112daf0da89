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

# How closely two fp32 computations of one network agree on each device
# (other kernels, memory formats or recomputation; TF32 off): on the CPU to
# rounding; on CUDA, cuDNN picks an algorithm per shape and layout
# (implicit GEMM, Winograd, FFT), whose fp32 results differ by up to about
# 1e-4 relative. The bf16/fp16 autocast tolerances are the tests' own.
FP32_TOLERANCE = {
    'cpu': dict(atol=1e-5),
    'cuda': dict(atol=1e-4, rtol=1e-4),
}

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


def tiny_model_config(config: str):
    """``config``'s model with one block per stage and 8-64 channels, which
    runs in milliseconds on a CPU."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    tiny = dict(
        backbone=dict(
            arch=dict(
                _delete_=True, depths=[1, 1, 1, 1], channels=[8, 16, 32, 64])),
        head=dict(in_channels=64))
    if cfg.model.get('neck'):
        tiny['neck'] = dict(in_channels=64)
    cfg.merge_from_dict(dict(model=tiny))
    return cfg


# Python source that makes any later import of torch or of the OpenMMLab
# packages fail: what runs after it runs as on a machine without them.
WITHOUT_TORCH = ("import sys\n"
                 "for name in ('torch', 'mmcv', 'mmengine', 'mmpretrain', "
                 "'mmconvnext_lstm'):\n"
                 "    sys.modules[name] = None\n")
