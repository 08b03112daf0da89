# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .multiscale_convnext import MultiScaleConvNeXt

__all__ = ['MultiScaleConvNeXt']
