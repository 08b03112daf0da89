# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import pytest
import torch
from helpers import needs_cpu_only
from mmengine.config import Config

from mmconvnext_lstm.apis import (UsageError, adapt_to_device,
                                  check_amp_supported)

pytestmark = pytest.mark.unit


def runtime_config(**kwargs):
    return Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl')), **kwargs))


def test_single_process_keeps_its_backend_and_wrapper():
    cfg = adapt_to_device(runtime_config(launcher='none'))
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


@needs_cpu_only
def test_cpu_runs_flush_denormals_once():
    cfg = adapt_to_device(
        runtime_config(launcher='none', custom_hooks=[dict(type='EMAHook')]))
    assert [hook['type']
            for hook in cfg.custom_hooks] == ['EMAHook', 'FlushDenormalHook']
    cfg = adapt_to_device(cfg)
    assert [hook['type']
            for hook in cfg.custom_hooks].count('FlushDenormalHook') == 1


@needs_cpu_only
def test_distributed_on_cpu_uses_gloo_and_no_device_ids(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'set_device', torch.cuda.set_device)
    cfg = adapt_to_device(
        runtime_config(launcher='pytorch', find_unused_parameters=True))
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True,
        device_ids=None)
    torch.cuda.set_device(0)  # a no-op now, instead of a driver error


@needs_cpu_only
def test_distributed_on_cpu_keeps_a_configured_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'set_device', torch.cuda.set_device)
    cfg = adapt_to_device(
        runtime_config(
            launcher='slurm',
            model_wrapper_cfg=dict(
                type='MMDistributedDataParallel', broadcast_buffers=True)))
    assert cfg.model_wrapper_cfg.broadcast_buffers is True
    assert cfg.model_wrapper_cfg.device_ids is None


@needs_cpu_only
def test_amp_without_gpu_is_refused():
    with pytest.raises(UsageError, match='--amp needs a GPU'):
        check_amp_supported()
