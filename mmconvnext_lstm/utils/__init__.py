# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .checkpoint_loading import allow_mmengine_checkpoints

__all__ = ['allow_mmengine_checkpoints']
