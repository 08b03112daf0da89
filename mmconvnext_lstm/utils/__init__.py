# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .checkpoint_loading import (allow_mmengine_checkpoints,
                                 checkpoint_safe_globals)
from .errors import CheckpointError, UsageError

__all__ = [
    'CheckpointError', 'UsageError', 'allow_mmengine_checkpoints',
    'checkpoint_safe_globals'
]
