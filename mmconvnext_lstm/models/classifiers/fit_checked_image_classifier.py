# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import logging

from mmengine.logging import print_log
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS

from ...utils.checkpoint import LOADED_FROM, PARTIAL_LOAD, check_fit


@MODELS.register_module()
class FitCheckedImageClassifier(ImageClassifier):
    """mmpretrain's :class:`ImageClassifier`, refusing weights that do not
    fit it however they are loaded (:func:`~mmconvnext_lstm.utils.check_fit`;
    mmengine's ``load_checkpoint`` only prints a misfit). Logged, not
    refused: a partial fit in fine-tuning (``load_from``, marked by
    :class:`AtomicCheckpointHook`) and missing output norms of extra
    ``backbone.out_indices``."""

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              *args) -> None:
        weights = {
            key[len(prefix):]: value
            for key, value in state_dict.items() if key.startswith(prefix)
        }
        model_state = self.state_dict()
        # The head reads the last stage's output only.
        stages = sorted(getattr(self.backbone, 'out_indices', ()))[:-1]
        feature_norms = tuple(f'backbone.norm{i}.' for i in stages)
        unloaded = [
            key for key in model_state
            if key.startswith(feature_norms) and key not in weights
        ]
        path = local_metadata.get(LOADED_FROM, 'loaded')
        if unloaded:
            print_log(
                f'Checkpoint {path} has no output norms of stages {stages} '
                '(backbone.out_indices): they keep their initial values, '
                'which extract_feat uses.',
                logger='current',
                level=logging.WARNING)
            weights.update({key: model_state[key] for key in unloaded})
        check_fit(path, weights, model_state,
                  local_metadata.get(PARTIAL_LOAD, False))
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      *args)
