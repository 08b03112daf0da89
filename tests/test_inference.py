# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""mmpretrain's inference APIs on our models: the image inferencer, the
feature extractor, extract_feat and demo/image_demo.py."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from fresh_checkpoint import (DEMO_CONFIG, DEMO_IMAGE, REPO_ROOT,
                              save_fresh_checkpoint)
from mmpretrain import get_model
from mmpretrain.apis import FeatureExtractor, ImageClassificationInferencer
from mmpretrain.datasets.categories import CIFAR10_CATEGORIES

pytestmark = pytest.mark.unit

# Stage widths of ConvNeXt-LSTM-T and the map sides at 32x32 input (the
# stem divides by 4, every later stage by 2).
STAGE_SHAPES_32PX = [(64, 8, 8), (128, 4, 4), (320, 2, 2), (512, 1, 1)]


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return save_fresh_checkpoint(
        DEMO_CONFIG, str(tmp_path_factory.mktemp('ckpt') / 'model.pth'))


def test_image_classification_inferencer(checkpoint):
    inferencer = ImageClassificationInferencer(
        DEMO_CONFIG, pretrained=checkpoint, device='cpu')
    result = inferencer(DEMO_IMAGE)[0]
    assert result['pred_class'] in CIFAR10_CATEGORIES
    assert result['pred_class'] == CIFAR10_CATEGORIES[result['pred_label']]
    assert result['pred_scores'].shape == (10, )
    assert result['pred_scores'].sum() == pytest.approx(1, abs=1e-4)
    assert result['pred_score'] == pytest.approx(result['pred_scores'].max())


def test_inferencer_resizes_any_image_to_32px(checkpoint, tmp_path):
    import mmcv
    import numpy as np
    big = tmp_path / 'big.png'
    mmcv.imwrite(
        np.random.RandomState(0).randint(0, 255, (80, 120, 3), np.uint8),
        str(big))
    inferencer = ImageClassificationInferencer(
        DEMO_CONFIG, pretrained=checkpoint, device='cpu')
    batch = next(inferencer.preprocess([str(big)]))
    assert batch['inputs'][0].shape == (3, 32, 32)


def test_feature_extractor_gives_stage_maps_and_bilstm2d_output(checkpoint):
    extractor = FeatureExtractor(
        DEMO_CONFIG,
        pretrained=checkpoint,
        device='cpu',
        backbone=dict(out_indices=(0, 1, 2, 3)))
    stages = extractor(DEMO_IMAGE, stage='backbone')[0]
    assert [tuple(f.shape) for f in stages] == STAGE_SHAPES_32PX
    neck = extractor(DEMO_IMAGE, stage='neck')[0]
    assert len(neck) == 1 and neck[0].shape == (512, )
    # The neck ends with a LayerNorm: zero mean over channels.
    assert neck[0].mean().abs() < 1e-4


def test_extract_feat_follows_out_indices(checkpoint):
    model = get_model(
        DEMO_CONFIG, pretrained=checkpoint, backbone=dict(out_indices=(1, 3)))
    inputs = torch.rand(2, 3, 64, 64)
    stages = model.extract_feat(inputs, stage='backbone')
    assert [tuple(f.shape) for f in stages] == [(2, 128, 8, 8), (2, 512, 2, 2)]
    (pooled, ) = model.extract_feat(inputs)
    assert pooled.shape == (2, 512)
    # The same weights with only the last stage give the same BiLSTM2D
    # output: the extra stage outputs do not change the network.
    plain = get_model(DEMO_CONFIG, pretrained=checkpoint)
    torch.testing.assert_close(plain.extract_feat(inputs)[0], pooled)


def test_image_demo_script(checkpoint, capsys, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [
        'image_demo.py', DEMO_IMAGE, DEMO_CONFIG, '--checkpoint', checkpoint,
        '--device', 'cpu'
    ])
    runpy.run_path(
        osp.join(REPO_ROOT, 'demo', 'image_demo.py'), run_name='__main__')
    out = capsys.readouterr().out
    assert "'pred_class':" in out and "'pred_score':" in out
    assert 'pred_scores' not in out
