# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import pytest
from mmengine.config import Config

import dataloader_options
from dataloader_options import drop_persistent_workers_without_workers

pytestmark = pytest.mark.unit


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(dataloader_options, 'print_log',
                        lambda message, **kwargs: messages.append(message))
    return messages


def test_loaders_without_workers_lose_persistent_workers(logged):
    cfg = Config(
        dict(
            train_dataloader=dict(num_workers=0, persistent_workers=True),
            val_dataloader=dict(num_workers=2, persistent_workers=True),
            # PyTorch's default num_workers is 0 too.
            test_dataloader=dict(persistent_workers=True)))
    changed = drop_persistent_workers_without_workers(cfg)
    assert changed == ['train_dataloader', 'test_dataloader']
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.test_dataloader.persistent_workers is False
    assert cfg.val_dataloader.persistent_workers is True
    # Said once, naming both.
    assert len(logged) == 1
    assert logged[0].startswith('train_dataloader.num_workers, '
                                'test_dataloader.num_workers is 0')
    assert 'persistent_workers is switched off' in logged[0]


def test_nothing_to_change_says_nothing(logged):
    cfg = Config(
        dict(
            train_dataloader=dict(num_workers=0, persistent_workers=False),
            val_dataloader=dict(num_workers=1, persistent_workers=True),
            test_dataloader=None))
    assert drop_persistent_workers_without_workers(cfg) == []
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.val_dataloader.persistent_workers is True
    assert logged == []
