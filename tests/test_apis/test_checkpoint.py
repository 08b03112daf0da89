# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import pytest
import torch
from mmengine.logging import HistoryBuffer
from torch import nn

from mmconvnext_lstm.apis import CheckpointError, check_checkpoint

pytestmark = pytest.mark.unit


class TwoLayers(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(2, 3)
        self.head = nn.Linear(3, 1)


@pytest.fixture
def checkpoint(tmp_path):
    """A checkpoint like mmengine writes: weights, meta with numpy values
    and the message hub's HistoryBuffer."""
    import numpy as np
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(epoch=1, iter=4, seed=np.int64(3407)),
            state_dict=TwoLayers().state_dict(),
            message_hub=dict(log_scalars={'loss': HistoryBuffer([1.0], [1])})),
        path)
    return path


def test_good_checkpoint_passes(checkpoint):
    check_checkpoint(checkpoint)
    check_checkpoint(checkpoint, TwoLayers())


def test_ddp_prefixed_keys_match(tmp_path):
    path = str(tmp_path / 'ddp.pth')
    torch.save({
        f'module.{k}': v
        for k, v in TwoLayers().state_dict().items()
    }, path)
    check_checkpoint(path, TwoLayers())


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match='does not exist'):
        check_checkpoint(str(tmp_path / 'nope.pth'))


def test_truncated_checkpoint(checkpoint, tmp_path):
    truncated = tmp_path / 'truncated.pth'
    with open(checkpoint, 'rb') as f:
        truncated.write_bytes(f.read()[:200])
    with pytest.raises(
            CheckpointError,
            match=f'Cannot read checkpoint {truncated}: it is '
            'truncated'):
        check_checkpoint(str(truncated))


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / 'notes.pth'
    path.write_text('hello')
    with pytest.raises(CheckpointError, match='Cannot read checkpoint'):
        check_checkpoint(str(path))


def test_readable_but_no_weights(tmp_path):
    path = str(tmp_path / 'meta_only.pth')
    torch.save(dict(meta=dict(epoch=1)), path)
    with pytest.raises(CheckpointError, match='not a model checkpoint'):
        check_checkpoint(path)


def test_checkpoint_of_another_model(tmp_path):
    path = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=nn.Conv2d(1, 1, 1).state_dict()), path)
    with pytest.raises(CheckpointError, match='holds none of the parameters'):
        check_checkpoint(path, TwoLayers())


def test_remote_checkpoints_are_left_to_mmengine():
    check_checkpoint('https://example.com/nowhere.pth', TwoLayers())
