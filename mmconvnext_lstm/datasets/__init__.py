# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from .tiny_imagenet import TinyImageNet
from .transforms import CheckedLoadImageFromFile

__all__ = ['TinyImageNet', 'CheckedLoadImageFromFile']
