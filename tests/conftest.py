# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# The real datasets live beside the checkout (developers' machines and CI);
# MMCONVNEXT_LSTM_SHARED_DATA points elsewhere.
SHARED_DATA = os.environ.get(
    'MMCONVNEXT_LSTM_SHARED_DATA',
    osp.join(osp.dirname(REPO_ROOT), 'shared', 'data'))


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


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
