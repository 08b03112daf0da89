# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp

import pytest
from helpers import CONFIG_ROOT

MODELS = osp.join(CONFIG_ROOT, '_base_', 'models')


@pytest.fixture(scope='session')
def benchmark_configs():
    """Two model configs the benchmark tests compare: ours and the smaller
    baseline."""
    return {
        'ours': osp.join(MODELS, 'convnext_lstm', 'convnext-lstm-tiny.py'),
        'small': osp.join(MODELS, 'convnext', 'convnext-tiny-512.py'),
    }
