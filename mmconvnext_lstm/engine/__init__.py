# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .hooks import (AtomicCheckpointHook, FlushDenormalHook,
                    MinClassNumCheckHook)

__all__ = ['AtomicCheckpointHook', 'FlushDenormalHook', 'MinClassNumCheckHook']
