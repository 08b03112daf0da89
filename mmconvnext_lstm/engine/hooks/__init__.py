# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .flush_denormal_hook import FlushDenormalHook

__all__ = ['FlushDenormalHook']
