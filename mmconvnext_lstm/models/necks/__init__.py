# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .bilstm2d import BiLSTM2D

__all__ = ['BiLSTM2D']
