# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""mim with the installed package (scripts/setup.sh): the model index, and a
user's experiment outside the repository trained and tested through mim."""
import os.path as osp

import pytest
from e2e_utils import BIN, checkpoint_meta, run
from helpers import metafile_models

pytestmark = pytest.mark.e2e

MIM = osp.join(BIN, 'mim')


def test_mim_search_shows_every_model_of_the_metafiles(tmp_path):
    out = run([MIM, 'search', 'mmconvnext_lstm'], cwd=tmp_path).stdout
    for model in metafile_models():
        # mim prints a block per model: its name, then its metadata.
        block = out.split(f'config id: {model["Name"]}\n')[1]
        block = block.split('config id:')[0].split()
        parameters = model.get('Metadata', {}).get('Parameters')
        if parameters is not None:
            assert block[block.index('parameters') +
                         1] == str(parameters), model['Name']


def test_mim_list_shows_the_package(tmp_path):
    out = run([MIM, 'list'], cwd=tmp_path).stdout
    assert 'mmconvnext-lstm' in out


def test_mim_train_and_test_a_user_experiment(user_experiment, tmp_path):
    work_dir = tmp_path / 'work'
    out = run([
        MIM, 'train', 'mmconvnext_lstm', user_experiment, '--work-dir',
        work_dir, '--cfg-options', 'train_cfg.max_epochs=1'
    ],
              cwd=tmp_path).stdout
    assert 'mmconvnext_lstm/.mim/tools/train.py' in out
    checkpoint = work_dir / 'epoch_1.pth'
    assert checkpoint_meta(checkpoint)['epoch'] == 1
    out = run([
        MIM, 'test', 'mmconvnext_lstm', user_experiment, '--checkpoint',
        checkpoint, '--work-dir', work_dir
    ],
              cwd=tmp_path).stdout
    assert 'accuracy/top1' in out
