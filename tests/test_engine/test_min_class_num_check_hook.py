# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from types import SimpleNamespace

import pytest
from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import HOOKS
from torch import nn
from toy_runner import ToyDataset

import mmconvnext_lstm  # noqa: F401  registers the hook
from mmconvnext_lstm.utils import UsageError

pytestmark = pytest.mark.unit


class Classifier(nn.Module):

    def __init__(self, num_classes):
        super().__init__()
        self.head = nn.Linear(2, num_classes)
        self.head.num_classes = num_classes


def runner_with(model):
    loader = SimpleNamespace(dataset=ToyDataset())  # two classes
    return SimpleNamespace(
        model=model,
        train_dataloader=loader,
        val_dataloader=loader,
        test_dataloader=loader)


def test_extends_mmpretrains_hook():
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    assert isinstance(hook, ClassNumCheckHook)


@pytest.mark.parametrize('stage',
                         ['before_train', 'before_val', 'before_test'])
def test_too_few_classes_are_refused(stage):
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    with pytest.raises(
            UsageError,
            match='num_classes is 1.*ToyDataset has 2 classes.*'
            'model.head.num_classes=2'):
        getattr(hook, stage)(runner_with(Classifier(num_classes=1)))


def test_enough_classes_or_nothing_to_compare_pass():
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    for model in (Classifier(num_classes=2), Classifier(num_classes=3),
                  nn.Linear(2, 1)):
        hook.before_train(runner_with(model))
