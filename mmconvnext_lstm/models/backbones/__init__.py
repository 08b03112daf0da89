# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .multiscale_convnext import STEMS, MultiScaleConvNeXt

__all__ = ['MultiScaleConvNeXt', 'STEMS']
