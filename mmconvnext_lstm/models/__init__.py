# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .backbones import MultiScaleConvNeXt
from .classifiers import FitCheckedImageClassifier
from .necks import BiLSTM2D
from .utils import MultiScaleConvNeXtBlock

__all__ = [
    'BiLSTM2D', 'FitCheckedImageClassifier', 'MultiScaleConvNeXt',
    'MultiScaleConvNeXtBlock'
]
