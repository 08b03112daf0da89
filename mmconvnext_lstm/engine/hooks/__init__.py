# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .flush_denormal_hook import FlushDenormalHook
from .min_class_num_check_hook import MinClassNumCheckHook

__all__ = ['AtomicCheckpointHook', 'FlushDenormalHook', 'MinClassNumCheckHook']
