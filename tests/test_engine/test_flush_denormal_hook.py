# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from unittest.mock import MagicMock

import pytest
import torch
from mmpretrain.registry import HOOKS

import mmconvnext_lstm  # noqa: F401  registers the hook

pytestmark = pytest.mark.unit

# Half of float32's smallest normal number: a denormal.
DENORMAL = 0.5 * torch.finfo(torch.float32).tiny


@pytest.fixture
def flush_mode_off():
    if not torch.set_flush_denormal(True):
        pytest.skip('This CPU cannot flush denormals (not x86).')
    torch.set_flush_denormal(False)
    yield
    torch.set_flush_denormal(False)


def runner_with(model):
    runner = MagicMock()
    runner.model = model
    return runner


def test_flushes_for_a_cpu_model(flush_mode_off):
    hook = HOOKS.build(dict(type='FlushDenormalHook'))
    runner = runner_with(torch.nn.Linear(1, 1))
    assert torch.tensor([DENORMAL]).item() > 0
    hook.before_run(runner)
    # Flushed: the same value reads as zero now.
    assert torch.tensor([DENORMAL]).item() == 0
    runner.logger.warning.assert_not_called()

    HOOKS.build(dict(type='FlushDenormalHook',
                     enable=False)).before_run(runner)
    assert torch.tensor([DENORMAL]).item() > 0


def test_leaves_the_cpu_alone_for_a_model_elsewhere(flush_mode_off):
    # Parameters on another device than the CPU (meta: no GPU needed).
    model = torch.nn.Linear(1, 1, device='meta')
    HOOKS.build(dict(type='FlushDenormalHook')).before_run(runner_with(model))
    assert torch.tensor([DENORMAL]).item() > 0
