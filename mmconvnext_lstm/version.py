# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
__version__ = '0.1.0'
