# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .flush_denormal_hook import FlushDenormalHook
from .num_class_check_hook import NumClassCheckHook

__all__ = ['AtomicCheckpointHook', 'FlushDenormalHook', 'NumClassCheckHook']
