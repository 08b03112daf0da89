# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmpretrain.datasets import CustomDataset
from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import HOOKS
from PIL import Image
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


class Logger:
    """Records the warnings a hook gives."""

    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(message)


def runner_with(model, dataset=None, cfg=None):
    loader = SimpleNamespace(dataset=dataset or ToyDataset())  # two classes
    return SimpleNamespace(
        model=model,
        train_dataloader=loader,
        val_dataloader=loader,
        test_dataloader=loader,
        cfg=Config(cfg or {}),
        logger=Logger())


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


@pytest.fixture
def class_folders(tmp_path):
    """Three classes of four images, a folder per class."""
    for name in ('cat', 'dog', 'fox'):
        (tmp_path / name).mkdir()
        for i in range(4):
            Image.new('RGB', (4, 4)).save(tmp_path / name / f'{i}.png')
    return str(tmp_path)


@pytest.mark.parametrize('stage, split', [('before_train', 'train'),
                                          ('before_val', 'val')])
def test_first_images_of_a_class_sorted_folder_are_named(
        class_folders, stage, split):
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    dataset = CustomDataset(data_root=class_folders, indices=6)
    runner = runner_with(
        Classifier(num_classes=3), dataset,
        {f'{split}_dataloader': dict(dataset=dict(indices=6))})
    getattr(hook, stage)(runner)
    getattr(hook, stage)(runner)  # a later epoch: said once
    assert len(runner.logger.warnings) == 1
    message = runner.logger.warnings[0]
    assert message.startswith(
        f'{split}_dataloader.dataset.indices=6 selects 6 images of only 2 '
        'of the 3 classes')
    assert 'indices=list(range(0, NUM_IMAGES, STEP))' in message


def test_subset_covering_every_class_or_no_subset_pass(class_folders):
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    spread = [0, 4, 8]
    for indices in (spread, None):
        dataset = CustomDataset(data_root=class_folders, indices=indices)
        runner = runner_with(
            Classifier(num_classes=3), dataset,
            dict(train_dataloader=dict(dataset=dict(indices=indices))))
        hook.before_train(runner)
        assert runner.logger.warnings == []


def test_listed_indices_missing_classes_get_no_int_advice(class_folders):
    hook = HOOKS.build(dict(type='MinClassNumCheckHook'))
    dataset = CustomDataset(data_root=class_folders, indices=[0, 1])
    runner = runner_with(
        Classifier(num_classes=3), dataset,
        dict(train_dataloader=dict(dataset=dict(indices=[0, 1]))))
    hook.before_train(runner)
    message, = runner.logger.warnings
    assert 'only 1 of the 3 classes' in message
    assert 'An int' not in message
