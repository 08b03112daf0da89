# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from fresh_checkpoint import (BASELINE_DEMO_CONFIG, DEMO_CONFIG, DEMO_IMAGE,
                              save_fresh_checkpoint)
from matplotlib.image import imread
from mmpretrain import get_model

from mmconvnext_lstm.visualization import (collect_feature_maps,
                                           default_cam_stage, grad_cam,
                                           visualize_features)

pytestmark = pytest.mark.unit


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp('ckpts')
    return {
        'ours':
        save_fresh_checkpoint(DEMO_CONFIG, str(folder / 'ours.pth')),
        'baseline':
        save_fresh_checkpoint(BASELINE_DEMO_CONFIG,
                              str(folder / 'baseline.pth'))
    }


@pytest.fixture(scope='module')
def model(checkpoints):
    return get_model(DEMO_CONFIG, pretrained=checkpoints['ours'])


def test_collect_feature_maps(model):
    inputs = torch.rand(2, 3, 64, 64)
    maps = collect_feature_maps(model, inputs)
    assert list(maps) == [
        'stage1', 'stage2', 'stage3', 'stage4', 'bilstm2d_in', 'bilstm2d_mix',
        'bilstm2d_out', 'logits'
    ]
    assert [tuple(maps[f'stage{i}'].shape)
            for i in range(1, 5)] == [(2, 64, 16, 16), (2, 128, 8, 8),
                                      (2, 320, 4, 4), (2, 512, 2, 2)]
    # The neck gets the normalised last stage and adds its mix to it.
    torch.testing.assert_close(maps['bilstm2d_in'],
                               model.backbone.norm3(maps['stage4']))
    torch.testing.assert_close(maps['bilstm2d_out'],
                               maps['bilstm2d_in'] + maps['bilstm2d_mix'])
    torch.testing.assert_close(maps['logits'], model(inputs, mode='tensor'))


def test_grad_cam(model):
    inputs = torch.rand(1, 3, 32, 32)
    # At 32 px the stage maps are 8, 4, 2, 1 pixels wide.
    assert default_cam_stage(model, inputs) == 1
    result = grad_cam(model, inputs, stage=1, class_index=3)
    assert result.cam.shape == (32, 32)
    assert result.cam.min() >= 0 and result.cam.max() <= 1
    assert result.class_index == 3 and result.stage == 1
    # The caller's tensor is left as it was.
    assert not inputs.requires_grad
    with torch.no_grad():
        probs = model(inputs, mode='tensor').softmax(-1)[0]
    assert result.score == pytest.approx(float(probs[3]), rel=1e-4)
    assert grad_cam(model, inputs, stage=-1).class_index == int(probs.argmax())
    with pytest.raises(ValueError, match='4 stages'):
        grad_cam(model, inputs, stage=4)
    with pytest.raises(ValueError, match='out of range'):
        grad_cam(model, inputs, stage=0, class_index=10)


def test_visualize_features_writes_one_png(checkpoints, tmp_path):
    out = visualize_features(DEMO_IMAGE, DEMO_CONFIG, checkpoints['ours'],
                             str(tmp_path / 'sub' / 'features.png'))
    # Two rows (stages; BiLSTM2D), five columns of 2.6 x 2.5 in at 100 dpi.
    assert imread(out).shape[:2] == (500, 1300)


def test_visualize_features_with_baseline_grad_cam(checkpoints, tmp_path):
    out = visualize_features(
        DEMO_IMAGE,
        DEMO_CONFIG,
        checkpoints['ours'],
        str(tmp_path / 'features.png'),
        baseline_config=BASELINE_DEMO_CONFIG,
        baseline_checkpoint=checkpoints['baseline'])
    assert imread(out).shape[:2] == (750, 1300)


def test_visualize_features_errors(checkpoints, tmp_path):
    out = str(tmp_path / 'x.png')
    with pytest.raises(FileNotFoundError, match='Image'):
        visualize_features(
            str(tmp_path / 'none.jpg'), DEMO_CONFIG, checkpoints['ours'], out)
    with pytest.raises(Exception, match='does not exist'):
        visualize_features(DEMO_IMAGE, DEMO_CONFIG, str(tmp_path / 'none.pth'),
                           out)
    with pytest.raises(ValueError, match='both baseline_config'):
        visualize_features(
            DEMO_IMAGE,
            DEMO_CONFIG,
            checkpoints['ours'],
            out,
            baseline_config=BASELINE_DEMO_CONFIG)
    assert not osp.exists(out)
