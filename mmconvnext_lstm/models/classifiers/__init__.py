# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .fit_checked_image_classifier import FitCheckedImageClassifier

__all__ = ['FitCheckedImageClassifier']
