# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""What tools/train.py and tools/test.py run: option merging, CPU-only
distributed runs, checkpoint checks; our model index in mmpretrain's model
hub."""
from .checkpoint import check_checkpoint
from .config import merge_test_args, merge_train_args
from .device import adapt_to_device, check_amp_supported
from .errors import CheckpointError, UsageError
from .model_hub import find_model_index, register_model_index
from .runner import build_runner, test, train

__all__ = [
    'CheckpointError', 'UsageError', 'adapt_to_device', 'build_runner',
    'check_amp_supported', 'check_checkpoint', 'find_model_index',
    'merge_test_args', 'merge_train_args', 'register_model_index', 'test',
    'train'
]
