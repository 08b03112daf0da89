# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from mmengine.model import is_model_wrapper
from mmpretrain.engine.hooks import ClassNumCheckHook
from mmpretrain.registry import HOOKS

from mmconvnext_lstm.utils.errors import UsageError


@HOOKS.register_module()
class MinClassNumCheckHook(ClassNumCheckHook):
    """mmpretrain's :class:`ClassNumCheckHook`, failing with a message that
    says what to set.

    Before training, validation and testing it refuses a
    ``model.head.num_classes`` smaller than the number of classes in the
    dataset's metainfo; without the check that fails deep in the loss
    (``IndexError: Target 5 is out of bounds``) or, when testing, scores
    some classes never. It differs from mmpretrain's hook in that it

    - raises :class:`UsageError`, which the tools print as one line, where
      mmpretrain's asserts;
    - checks the head only, and accepts more outputs than classes (a head
      trained on more classes can evaluate a subset);
    - passes models without ``head.num_classes`` and datasets without
      ``classes`` silently, where mmpretrain's warns.
    """

    def _check_head(self, runner, dataset) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        num_classes = getattr(
            getattr(model, 'head', None), 'num_classes', None)
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        if num_classes is None or classes is None:
            return
        if num_classes < len(classes):
            data_root = getattr(dataset, 'data_root', '')
            raise UsageError(
                f'model.head.num_classes is {num_classes}, but the dataset '
                f'{type(dataset).__name__}'
                f'{" in " + data_root if data_root else ""} has '
                f'{len(classes)} classes. Set model.head.num_classes='
                f'{len(classes)} in the config (or --cfg-options '
                f'model.head.num_classes={len(classes)}).')
