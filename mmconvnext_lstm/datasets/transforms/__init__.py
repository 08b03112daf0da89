# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .loading import CheckedLoadImageFromFile

__all__ = ['CheckedLoadImageFromFile']
