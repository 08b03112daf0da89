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
def restore_flush_mode():
    yield
    torch.set_flush_denormal(False)


def test_flush_denormal_hook(restore_flush_mode):
    hook = HOOKS.build(dict(type='FlushDenormalHook'))
    runner = MagicMock()
    if not torch.set_flush_denormal(True):
        pytest.skip('This CPU cannot flush denormals (not x86).')
    torch.set_flush_denormal(False)
    assert torch.tensor([DENORMAL]).item() > 0
    hook.before_run(runner)
    # Flushed: the same value reads as zero now.
    assert torch.tensor([DENORMAL]).item() == 0
    runner.logger.warning.assert_not_called()

    HOOKS.build(dict(type='FlushDenormalHook',
                     enable=False)).before_run(runner)
    assert torch.tensor([DENORMAL]).item() > 0
