# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os
import os.path as osp
import sys

import pytest

# The suite runs tiny tensors, for which a second thread costs more in
# synchronisation than it gains (up to 100x slower on a loaded 2-core
# machine). Subprocesses the tests start (tools/train.py, ...) inherit it.
os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch  # noqa: E402

torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))

from helpers import REPO_ROOT  # noqa: E402

# The tools' helper modules, imported as the tools import them (a script's
# folder is on sys.path); appended, so that no tool shadows a library.
sys.path += [
    osp.join(REPO_ROOT, 'tools', folder)
    for folder in ('analysis_tools', 'deployment', 'gpu', 'visualization', '')
]
# The real datasets live beside the checkout (developers' machines and CI);
# MMCONVNEXT_LSTM_SHARED_DATA points elsewhere.
SHARED_DATA = os.environ.get(
    'MMCONVNEXT_LSTM_SHARED_DATA',
    osp.join(osp.dirname(REPO_ROOT), 'shared', 'data'))


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


@pytest.fixture
def no_tf32(monkeypatch):
    """Full fp32 convs on CUDA (cuDNN allows TF32 by default), so that two
    kernels or memory formats can be compared to 1e-5."""
    monkeypatch.setattr(torch.backends.cudnn, 'allow_tf32', False)


@pytest.fixture(scope='session')
def shared_archive():
    """Return a function giving the path of an archive in ../shared/data,
    skipping the test when it is absent."""

    def _find(name):
        path = osp.join(SHARED_DATA, name)
        if not osp.isfile(path):
            pytest.skip(f'{path} is absent: this test needs the real data '
                        'archives beside the checkout.')
        return path

    return _find


TIERS = ('unit', 'e2e')


def pytest_collection_modifyitems(config, items):
    """Every test belongs to exactly one tier, so `-m unit` and `-m e2e`
    together run the whole suite."""
    for item in items:
        tiers = [tier for tier in TIERS if item.get_closest_marker(tier)]
        if len(tiers) != 1:
            raise pytest.UsageError(
                f'{item.nodeid} must be marked with exactly one of '
                f'{TIERS} (found {tiers}): add `pytestmark = '
                'pytest.mark.unit` (or e2e) to its module.')
