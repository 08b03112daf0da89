# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import pytest
import torch
from helpers import needs_cpu_only
from mmengine.config import Config

from cpu_launch import TORCHRUN_VARIABLES, adapt_to_device, check_amp_supported
from mmconvnext_lstm.utils.errors import UsageError

pytestmark = pytest.mark.unit


def runtime_config(**kwargs):
    return Config(
        dict(
            env_cfg=dict(dist_cfg=dict(backend='nccl')),
            train_dataloader=dict(batch_size=2, pin_memory=True),
            val_dataloader=None,
            **kwargs))


@pytest.fixture
def torchrun_env(monkeypatch):
    for name in TORCHRUN_VARIABLES:
        monkeypatch.setenv(name, '0')
    # adapt_to_device replaces it on a machine without CUDA.
    monkeypatch.setattr(torch.cuda, 'set_device', torch.cuda.set_device)


@needs_cpu_only
def test_single_process_keeps_its_backend_and_wrapper():
    cfg = adapt_to_device(runtime_config(launcher='none'))
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg
    assert cfg.train_dataloader.pin_memory is False
    assert cfg.val_dataloader is None


@needs_cpu_only
def test_distributed_on_cpu_uses_gloo_and_no_device_ids(torchrun_env):
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
def test_distributed_on_cpu_keeps_a_configured_wrapper(torchrun_env):
    cfg = adapt_to_device(
        runtime_config(
            launcher='slurm',
            model_wrapper_cfg=dict(
                type='MMDistributedDataParallel', broadcast_buffers=True)))
    assert cfg.model_wrapper_cfg.broadcast_buffers is True
    assert cfg.model_wrapper_cfg.device_ids is None


def test_pytorch_launcher_outside_torchrun_is_refused(torchrun_env,
                                                      monkeypatch):
    monkeypatch.delenv('MASTER_PORT')
    with pytest.raises(
            UsageError, match='MASTER_PORT is not set.*dist_train.sh'):
        adapt_to_device(runtime_config(launcher='pytorch'))


@needs_cpu_only
def test_amp_without_gpu_is_refused():
    with pytest.raises(UsageError, match='--amp needs a GPU'):
        check_amp_supported()
