# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""A freshly initialised model saved as a trained checkpoint would be, for
tests of the inference and picture APIs (no training needed)."""
import os.path as osp

import torch
from helpers import REPO_ROOT
from mmengine.config import Config
from mmpretrain.datasets.categories import CIFAR10_CATEGORIES
from mmpretrain.registry import MODELS

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'convnext_lstm',
                       'convnext-lstm-tiny_1xb64_cifar10-demo.py')
BASELINE_DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'convnext_baseline',
                                'convnext-tiny-512_1xb64_cifar10-demo.py')
DEMO_IMAGE = osp.join(REPO_ROOT, 'demo', 'cifar10_demo', 'test', 'cat',
                      '0000.jpg')


def save_fresh_checkpoint(config: str, path: str, seed: int = 0) -> str:
    """Build ``config``'s model, initialise it and save it to ``path`` with
    the CIFAR-10 class names, as mmengine's CheckpointHook does."""
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    torch.save(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'dataset_meta': {
                    'classes': list(CIFAR10_CATEGORIES)
                }
            }
        }, path)
    return path
