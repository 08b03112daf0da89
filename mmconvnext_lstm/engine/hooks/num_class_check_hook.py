# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from mmconvnext_lstm.utils.errors import UsageError


@HOOKS.register_module()
class NumClassCheckHook(Hook):
    """Refuse a classification head with fewer outputs than the dataset
    has classes, before training, validation or testing starts.

    Without the check, a too small ``model.head.num_classes`` fails deep in
    the loss (``IndexError: Target 5 is out of bounds``) or, when testing,
    scores some classes never. Models without ``head.num_classes`` and
    datasets without ``classes`` in their metainfo are left alone.
    """

    @staticmethod
    def _check(runner, dataloader, split: str) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        num_classes = getattr(
            getattr(model, 'head', None), 'num_classes', None)
        dataset = dataloader.dataset
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        if num_classes is None or classes is None:
            return
        if num_classes < len(classes):
            data_root = getattr(dataset, 'data_root', '')
            raise UsageError(
                f'model.head.num_classes is {num_classes}, but the {split} '
                f'dataset ({type(dataset).__name__}'
                f'{" in " + data_root if data_root else ""}) has '
                f'{len(classes)} classes. Set model.head.num_classes='
                f'{len(classes)} in the config (or --cfg-options '
                f'model.head.num_classes={len(classes)}).')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader, 'test')
