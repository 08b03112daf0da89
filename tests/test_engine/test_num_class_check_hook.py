# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from types import SimpleNamespace

import pytest
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


@pytest.mark.parametrize('stage, split', [('before_train', 'train'),
                                          ('before_val', 'val'),
                                          ('before_test', 'test')])
def test_too_few_classes_are_refused(stage, split):
    hook = HOOKS.build(dict(type='NumClassCheckHook'))
    with pytest.raises(UsageError) as error:
        getattr(hook, stage)(runner_with(Classifier(num_classes=1)))
    assert str(error.value) == (
        f'model.head.num_classes is 1, but the {split} dataset (ToyDataset) '
        'has 2 classes. Set model.head.num_classes=2 in the config (or '
        '--cfg-options model.head.num_classes=2).')


def test_enough_classes_or_nothing_to_compare_pass():
    hook = HOOKS.build(dict(type='NumClassCheckHook'))
    for model in (Classifier(num_classes=2), Classifier(num_classes=3),
                  nn.Linear(2, 1)):
        hook.before_train(runner_with(model))
