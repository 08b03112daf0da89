# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Fixtures of the end-to-end tests (helpers are in e2e_utils)."""
import os.path as osp

import pytest
from e2e_utils import CIFAR_RECIPE, MY_EXP, NUM_TRAIN
from synthetic_datasets import make_cifar10


@pytest.fixture(scope='session')
def user_experiment(tmp_path_factory, repo_root):
    """A user folder outside the repository with my_exp.py and its data."""
    folder = tmp_path_factory.mktemp('user_folder')
    data_root = make_cifar10(str(folder / 'cifar10'), num_train=NUM_TRAIN)
    config = folder / 'my_exp.py'
    config.write_text(
        MY_EXP.format(
            recipe=osp.join(repo_root, CIFAR_RECIPE), data_root=data_root))
    return config
