# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from mmconvnext_lstm.utils.errors import UsageError


@HOOKS.register_module()
class NumClassCheckHook(Hook):
    """Refuse a classification head with fewer outputs than the dataset
    has classes, before training, validation or testing starts, and warn
    when a subset of a dataset (``indices``) has images of only some of its
    classes.

    Without the check, a too small ``model.head.num_classes`` fails deep in
    the loss (``IndexError: Target 5 is out of bounds``) or, when testing,
    scores some classes never. Models without ``head.num_classes`` and
    datasets without ``classes`` in their metainfo are left alone.

    ``indices=N`` takes a dataset's first N images: of a folder per class
    (mmpretrain's ``CustomDataset``), the first classes only, which trains
    or evaluates a model on them alone without a word. The warning names
    the classes covered and how to spread the subset; it is given once per
    split.
    """

    def __init__(self):
        self._subsets_checked = set()

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

    def _check_subset(self, runner, dataloader, split: str) -> None:
        """Warn once if ``{split}_dataloader.dataset.indices`` selects
        images of fewer classes than the dataset has."""
        field = f'{split}_dataloader'
        indices = ((runner.cfg.get(field) or {}).get('dataset')
                   or {}).get('indices')
        dataset = dataloader.dataset
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        if (indices is None or split in self._subsets_checked or not classes
                or not hasattr(dataset, 'get_gt_labels') or len(dataset) == 0
                or 'gt_label' not in dataset.get_data_info(0)):
            return
        self._subsets_checked.add(split)
        covered = len(np.unique(dataset.get_gt_labels()))
        if covered == len(classes):
            return
        message = (f'{field}.dataset.indices={indices!r} selects '
                   f'{len(dataset)} images of only {covered} of the '
                   f'{len(classes)} classes: the {split} results concern '
                   'those classes alone.')
        if isinstance(indices, int):
            message += (
                ' An int takes the first images, which for a dataset listed '
                'class by class (a folder per class) are those of the first '
                'classes. To spread the subset over the classes, take every '
                'STEP-th image instead: indices=list(range(0, NUM_IMAGES, '
                'STEP)) in the config.')
        runner.logger.warning(message)

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'train')
        self._check_subset(runner, runner.train_dataloader, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader, 'val')
        self._check_subset(runner, runner.val_dataloader, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader, 'test')
        self._check_subset(runner, runner.test_dataloader, 'test')
