# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Helpers shared by tests in several folders (tests/ is on sys.path)."""
import pytest
import torch

needs_cpu_only = pytest.mark.skipif(
    torch.cuda.is_available(),
    reason='checks the behaviour of a machine without GPU')

# Parametrise a test over these to run it on every device this machine has;
# the CUDA cases skip, with the reason, where no GPU is visible.
DEVICES = [
    pytest.param('cpu', id='cpu'),
    pytest.param(
        'cuda',
        id='cuda',
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='needs a CUDA GPU')),
]
