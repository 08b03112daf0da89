# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from fresh_checkpoint import DEMO_CONFIG, save_fresh_checkpoint
from helpers import metafile_models
from mmpretrain import get_model, list_models

from mmconvnext_lstm.model_index import MIM_ROOTS, package_file

pytestmark = pytest.mark.unit


def metafile_names():
    return [model['Name'].lower() for model in metafile_models()]


def test_import_registers_every_model_of_the_index():
    names = metafile_names()
    assert set(names) <= set(list_models())
    assert set(list_models('*lstm*')) == {n for n in names if 'lstm' in n}
    # mmpretrain's own models stay listed beside ours.
    assert 'resnet50_8xb32_in1k' in list_models()


def test_get_model_by_name_loads_the_checkpoint(tmp_path):
    checkpoint = save_fresh_checkpoint(DEMO_CONFIG, str(tmp_path / 'm.pth'))
    model = get_model(
        'convnext-lstm-tiny_1xb128_cifar10', pretrained=checkpoint)
    saved = torch.load(checkpoint)['state_dict']
    assert type(model.neck).__name__ == 'BiLSTM2D'
    for key in ('neck.lstm_h.weight_ih_l0', 'head.fc.weight'):
        torch.testing.assert_close(model.state_dict()[key], saved[key])
    assert model._dataset_meta['classes'][3] == 'cat'


def test_package_file_prefers_the_installed_copy(repo_root):
    # scripts/setup.sh links .mim/configs to the checkout's configs.
    path = package_file('configs', '_base_')
    assert path == osp.join(MIM_ROOTS[0], 'configs', '_base_')
    assert osp.samefile(path, osp.join(repo_root, 'configs', '_base_'))
    with pytest.raises(FileNotFoundError, match='no configs/none.py'):
        package_file('configs', 'none.py')
