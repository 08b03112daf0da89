# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import numpy as np
from mmengine.model import is_model_wrapper
from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import HOOKS

from mmconvnext_lstm.utils.errors import UsageError


@HOOKS.register_module()
class MinClassNumCheckHook(ClassNumCheckHook):
    """mmpretrain's :class:`ClassNumCheckHook`, raising a
    :class:`UsageError` that says what to set (not an assertion), only for a
    head with fewer outputs than the dataset's classes; it also warns once per
    split when a subset (``indices``) covers only some classes."""

    def __init__(self):
        self._subsets_checked = set()

    def _check_subset(self, runner, split: str) -> None:
        field = f'{split}_dataloader'
        indices = ((runner.cfg.get(field) or {}).get('dataset')
                   or {}).get('indices')
        dataset = getattr(runner, field).dataset
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
            message += (' An int takes the first images, which of a dataset '
                        'listed class by class are those of the first '
                        'classes; to spread the subset, take every STEP-th '
                        'image: indices=list(range(0, NUM_IMAGES, STEP)).')
        runner.logger.warning(message)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._check_subset(runner, 'train')

    def before_val(self, runner) -> None:
        super().before_val(runner)
        self._check_subset(runner, 'val')

    def before_test(self, runner) -> None:
        super().before_test(runner)
        self._check_subset(runner, 'test')

    def _check_head(self, runner, dataset) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        num_classes = getattr(
            getattr(model, 'head', None), 'num_classes', None)
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        if num_classes is not None and classes is not None and \
                num_classes < len(classes):
            where = getattr(dataset, 'data_root', '')
            raise UsageError(
                f'model.head.num_classes is {num_classes}, but the dataset '
                f'{type(dataset).__name__}{" in " + where if where else ""} '
                f'has {len(classes)} classes. Set model.head.num_classes='
                f'{len(classes)} in the config (or --cfg-options '
                f'model.head.num_classes={len(classes)}).')
