# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .checkpoint import (allow_mmengine_checkpoints, checkpoint_safe_globals,
                         checkpoint_state_dict, compare_state_dicts,
                         read_checkpoint, scan_pickle, weights_digest,
                         write_checkpoint)
from .errors import CheckpointError, ConfigError, UsageError

__all__ = [
    'CheckpointError', 'ConfigError', 'UsageError',
    'allow_mmengine_checkpoints', 'checkpoint_safe_globals',
    'checkpoint_state_dict', 'compare_state_dicts', 'read_checkpoint',
    'scan_pickle', 'weights_digest', 'write_checkpoint'
]
