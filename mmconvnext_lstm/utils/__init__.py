# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .checkpoint import (allow_mmengine_checkpoints, check_fit,
                         checkpoint_safe_globals, read_checkpoint,
                         scan_checkpoint, weights_digest, write_checkpoint)
from .errors import CheckpointError, ConfigError, UsageError

__all__ = [
    'CheckpointError', 'ConfigError', 'UsageError',
    'allow_mmengine_checkpoints', 'check_fit', 'checkpoint_safe_globals',
    'read_checkpoint', 'scan_checkpoint', 'weights_digest', 'write_checkpoint'
]
