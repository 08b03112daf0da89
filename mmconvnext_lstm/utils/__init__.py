# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .checkpoint_files import read_checkpoint, write_checkpoint
from .checkpoint_fit import checkpoint_state_dict, compare_state_dicts
from .checkpoint_loading import (allow_mmengine_checkpoints,
                                 checkpoint_safe_globals)
from .errors import CheckpointError, ConfigError, UsageError

__all__ = [
    'CheckpointError', 'ConfigError', 'UsageError',
    'allow_mmengine_checkpoints', 'checkpoint_safe_globals',
    'checkpoint_state_dict', 'compare_state_dicts', 'read_checkpoint',
    'write_checkpoint'
]
