# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp

import pytest
import torch
import yaml
from fresh_checkpoint import DEMO_CONFIG, save_fresh_checkpoint
from mmpretrain import get_model, list_models

from mmconvnext_lstm.apis.model_hub import (find_model_index,
                                            register_model_index)

pytestmark = pytest.mark.unit


def _metafile_names(repo_root):
    with open(osp.join(repo_root, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    names = []
    for metafile in imports:
        with open(osp.join(repo_root, metafile)) as f:
            names += [m['Name'].lower() for m in yaml.safe_load(f)['Models']]
    return names


def test_list_models_finds_every_model_of_the_index(repo_root):
    names = _metafile_names(repo_root)
    assert 'convnext-lstm-tiny_1xb128_cifar10' in names
    listed = list_models()
    assert set(names) <= set(listed)
    assert 'convnext-lstm-tiny_1xb128_cifar10' in list_models('*lstm*')
    # mmpretrain's own models stay listed beside ours.
    assert 'resnet50_8xb32_in1k' in listed


def test_get_model_by_name_loads_the_checkpoint(tmp_path):
    checkpoint = save_fresh_checkpoint(DEMO_CONFIG, str(tmp_path / 'm.pth'))
    model = get_model(
        'convnext-lstm-tiny_1xb128_cifar10', pretrained=checkpoint)
    saved = torch.load(checkpoint)['state_dict']
    assert type(model.backbone).__name__ == 'MultiScaleConvNeXt'
    assert type(model.neck).__name__ == 'BiLSTM2D'
    for key in ('backbone.stages.2.4.fuse_conv.weight',
                'neck.lstm_h.weight_ih_l0', 'head.fc.weight'):
        torch.testing.assert_close(model.state_dict()[key], saved[key])
    assert model._dataset_meta['classes'][3] == 'cat'
    assert model(torch.rand(2, 3, 32, 32), mode='tensor').shape == (2, 10)


def test_register_model_index_is_idempotent(repo_root):
    path = find_model_index()
    assert osp.realpath(path) == osp.realpath(
        osp.join(repo_root, 'model-index.yml'))
    # Importing mmconvnext_lstm registered it already.
    assert register_model_index() == []
    assert register_model_index(path) == []


def test_register_another_model_index(tmp_path, repo_root):
    (tmp_path / 'configs').mkdir()
    config = tmp_path / 'configs' / 'my-model.py'
    config.write_text(f"_base_ = ['{DEMO_CONFIG}']\n"
                      "model = dict(head=dict(num_classes=3))\n")
    (tmp_path / 'metafile.yml').write_text(
        'Models:\n  - Name: my-lstm-model_test\n'
        '    Config: configs/my-model.py\n')
    (tmp_path / 'model-index.yml').write_text('Import:\n  - metafile.yml\n')
    assert register_model_index(str(
        tmp_path / 'model-index.yml')) == ['my-lstm-model_test']
    assert 'my-lstm-model_test' in list_models('*lstm*')
    model = get_model('my-lstm-model_test')
    assert model.head.fc.out_features == 3


def test_register_missing_model_index(tmp_path):
    with pytest.raises(FileNotFoundError, match='model-index'):
        register_model_index(str(tmp_path / 'model-index.yml'))
