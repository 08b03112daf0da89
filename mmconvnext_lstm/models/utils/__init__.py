# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .multiscale_block import MultiScaleConvNeXtBlock

__all__ = ['MultiScaleConvNeXtBlock']
