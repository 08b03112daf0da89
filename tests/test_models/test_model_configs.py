# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Every model config builds through mmpretrain's registry from its file,
and the rows of the paper without the New Block have the paper's size."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.models import ImageClassifier, LinearClsHead
from mmpretrain.registry import MODELS

import mmconvnext_lstm  # noqa: F401
from mmconvnext_lstm.models import (BiLSTM2D, MultiScaleConvNeXt,
                                    MultiScaleConvNeXtBlock)

pytestmark = pytest.mark.unit

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    '_base_', 'models')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
OURS = 'convnext-lstm-tiny.py'


def build(name, num_classes=None, **backbone):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    if num_classes is not None:
        cfg.model.head.num_classes = num_classes
    cfg.model.backbone.update(backbone)
    return MODELS.build(cfg.model)


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_every_row_has_a_config():
    names = {osp.basename(path) for path in CONFIGS}
    rows = {OURS, 'convnext-tiny-512.py', 'convnext-tiny-baseline.py'}
    rows |= {f'convnext-lstm-tiny_model-{m}.py' for m in 'abcdef'}
    rows |= {f'convnext-lstm-tiny_design-{d}.py' for d in 'abc'}
    assert rows <= names


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.basename(path) for path in CONFIGS])
def test_config_builds_and_classifies(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports.imports == ['mmconvnext_lstm']
    if osp.basename(path) != OURS:
        # Rows other than ours say only how they differ from a base.
        with open(path) as f:
            assert '_base_' in f.read()
    model = MODELS.build(cfg.model)
    assert isinstance(model, ImageClassifier)
    assert isinstance(model.head, LinearClsHead)
    assert model.head.num_classes == 10
    model.eval()
    with torch.no_grad():
        logits = model(torch.rand(1, 3, 32, 32), mode='tensor')
    assert logits.shape == (1, 10)


# Rows without the New Block: the paper's params, counted with the classes
# of its tables (10 for CIFAR-10, 200 for Tiny ImageNet).
@pytest.mark.parametrize('name, num_classes, params_m', [
    ('convnext-tiny-512.py', 10, 15.31),
    ('convnext-lstm-tiny_model-b.py', 10, 16.89),
    ('convnext-lstm-tiny_model-c.py', 10, 15.33),
    ('convnext-lstm-tiny_model-f.py', 10, 16.91),
    ('convnext-tiny-baseline.py', 10, 27.83),
    ('convnext-tiny-baseline.py', 200, 27.97),
])
def test_params_of_the_papers_rows(name, num_classes, params_m):
    params = count(build(name, num_classes))
    assert abs(params - params_m * 1e6) <= 0.005e6, params


def test_params_of_our_reconstruction():
    """The New Block rows are our reconstruction (docs/complexity.md): pinned
    so that a change of the block's widths shows up here."""
    assert count(build(OURS)) == 13540746
    assert count(build(OURS, 200)) == 13638216
    assert count(build('convnext-lstm-tiny_model-d.py')) == 11962250


def test_rows_differ_only_where_the_paper_says():
    ours = build(OURS)
    assert isinstance(ours.backbone, MultiScaleConvNeXt)
    assert ours.backbone.channels == [64, 128, 320, 512]
    assert ours.backbone.depths == [3, 3, 9, 3]
    assert isinstance(ours.backbone.stages[0][0], MultiScaleConvNeXtBlock)
    assert isinstance(ours.neck, BiLSTM2D)
    assert ours.backbone.downsample_layers[0][0].kernel_size == (7, 7)

    model_a = build('convnext-lstm-tiny_model-a.py')
    assert model_a.neck is None and model_a.backbone.gap_before_final_norm
    assert model_a.backbone.downsample_layers[0][0].kernel_size == (4, 4)
    model_f = build('convnext-lstm-tiny_model-f.py')
    assert type(model_f.backbone.stages[2][0]).__name__ == 'ConvNeXtBlock'
    assert isinstance(model_f.neck, BiLSTM2D)
    model_b = build('convnext-lstm-tiny_model-b.py')
    assert type(model_b.backbone).__name__ == 'ConvNeXt'
    assert isinstance(model_b.neck, BiLSTM2D)
    baseline = build('convnext-tiny-baseline.py')
    assert baseline.backbone.channels == [96, 192, 384, 768]


def test_classifier_gradients_reach_every_parameter():
    # 64 px: the last map is 2x2, so the LSTMs' recurrent weights see a
    # previous step (at 32 px, sequences of one step leave them no gradient).
    model = build(OURS, drop_path_rate=0., layer_scale_init_value=1.)
    model.train()
    losses = model.loss(
        torch.rand(2, 3, 64, 64),
        [_sample(0), _sample(3)],
    )
    losses['loss'].backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert param.grad.abs().sum() > 0, name


def _sample(label):
    from mmpretrain.structures import DataSample
    return DataSample().set_gt_label(label)


def test_state_dict_round_trip(tmp_path):
    torch.manual_seed(0)
    model = build(OURS, layer_scale_init_value=1.)
    model.init_weights()
    path = str(tmp_path / 'model.pth')
    torch.save(model.state_dict(), path)
    torch.manual_seed(1)
    fresh = build(OURS, layer_scale_init_value=1.)
    x = torch.rand(2, 3, 64, 64)
    model.eval(), fresh.eval()
    with torch.no_grad():
        expected = model(x, mode='tensor')
        assert not torch.allclose(fresh(x, mode='tensor'), expected)
        fresh.load_state_dict(torch.load(path))
        assert torch.equal(fresh(x, mode='tensor'), expected)


def test_neck_in_channels_mismatch_in_a_config():
    cfg = Config.fromfile(osp.join(CONFIG_DIR, OURS))
    cfg.model.neck.in_channels = 768
    model = MODELS.build(cfg.model).eval()
    with pytest.raises(
            ValueError,
            match='in_channels=768 but the backbone '
            'gives 512 channels'):
        model(torch.rand(1, 3, 32, 32), mode='tensor')
