# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""mmengine checkpoints load under torch >= 2.6's weights-only default once
the package is imported."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.runner import load_checkpoint

import mmconvnext_lstm  # noqa: F401  applies the fix
from mmconvnext_lstm.utils import allow_mmengine_checkpoints

pytestmark = pytest.mark.unit


@pytest.fixture
def checkpoint(tmp_path):
    """A checkpoint as mmengine's runner writes one: weights, numpy meta and
    the message hub's HistoryBuffers."""
    model = nn.Linear(3, 2)
    hub = MessageHub.get_instance('test_checkpoint_loading')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/lr', np.float64(0.1))
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(
                seed=np.int64(3407),
                epoch=1,
                mean=np.array([0.5, 0.25], dtype=np.float32),
                dtype=np.dtype('float64'),
                scale=np.float32(2.0)),
            state_dict=model.state_dict(),
            message_hub=hub.state_dict()), path)
    return path, model


def test_torch_load_default(checkpoint):
    path, model = checkpoint
    loaded = torch.load(path)  # weights_only=True by default
    assert loaded['meta']['seed'] == 3407
    assert loaded['meta']['dtype'] == np.dtype('float64')
    np.testing.assert_array_equal(loaded['meta']['mean'], [0.5, 0.25])
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == 1.5
    assert torch.equal(loaded['state_dict']['weight'], model.weight)


def test_mmengine_load_checkpoint(checkpoint):
    path, model = checkpoint
    fresh = nn.Linear(3, 2)
    loaded = load_checkpoint(fresh, path, map_location='cpu')
    assert torch.equal(fresh.weight, model.weight)
    assert loaded['meta']['epoch'] == 1


def test_without_the_fix_torch_refuses(checkpoint):
    """The fix is what makes the tests above pass."""
    path, _ = checkpoint
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(Exception, match='Unsupported global'):
            torch.load(path)
        allow_mmengine_checkpoints()
        torch.load(path)
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(allowed)
