# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .complexity import build_model, lstm_flop_jit, model_complexity

__all__ = ['build_model', 'lstm_flop_jit', 'model_complexity']
