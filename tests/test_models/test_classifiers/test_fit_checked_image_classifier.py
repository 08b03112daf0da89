# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Weights that do not fit the model are refused by every loader of
mmpretrain and mmengine, with the message of tools/test.py; a fine-tuning
run's marked load may be partial."""
from collections import OrderedDict

import pytest
import torch
from fresh_checkpoint import (BASELINE_DEMO_CONFIG, DEMO_CONFIG,
                              save_fresh_checkpoint)
from mmengine.runner import load_checkpoint, load_state_dict
from mmpretrain import get_model
from mmpretrain.apis import FeatureExtractor, ImageClassificationInferencer

from mmconvnext_lstm.utils import CheckpointError
from mmconvnext_lstm.utils.checkpoint import PARTIAL_LOAD, load_metadata

pytestmark = pytest.mark.unit

LOADERS = {
    'get_model':
    lambda path: get_model(DEMO_CONFIG, pretrained=path),
    'inferencer':
    lambda path: ImageClassificationInferencer(
        DEMO_CONFIG, pretrained=path, device='cpu'),
    'feature_extractor':
    lambda path: FeatureExtractor(DEMO_CONFIG, pretrained=path, device='cpu'),
}


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp('checkpoints')
    torch.save({'state_dict': {'weight': torch.zeros(2)}}, folder / 'none.pth')
    return dict(
        ours=save_fresh_checkpoint(DEMO_CONFIG, str(folder / 'ours.pth')),
        baseline=save_fresh_checkpoint(BASELINE_DEMO_CONFIG,
                                       str(folder / 'baseline.pth')),
        none=str(folder / 'none.pth'))


@pytest.mark.parametrize('loader', LOADERS)
def test_another_models_checkpoint_is_refused(loader, checkpoints):
    path = checkpoints['baseline']
    with pytest.raises(
            CheckpointError,
            match=f'Checkpoint {path} does not fit the model of this config: '
            r"it lacks 238 of the model's 348 tensors"):
        LOADERS[loader](path)


@pytest.mark.parametrize('loader', LOADERS)
def test_checkpoint_without_the_models_weights_is_refused(loader, checkpoints):
    path = checkpoints['none']
    with pytest.raises(
            CheckpointError,
            match=f'Checkpoint {path} holds none of the weights'):
        LOADERS[loader](path)


def test_fitting_checkpoint_loads_every_weight(checkpoints):
    model = get_model(DEMO_CONFIG, pretrained=checkpoints['ours'])
    saved = torch.load(checkpoints['ours'], weights_only=True)['state_dict']
    assert model.state_dict().keys() == saved.keys()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in saved.items())


def test_plain_load_state_dict_is_checked_too():
    model = get_model(DEMO_CONFIG)
    weights = get_model(BASELINE_DEMO_CONFIG).state_dict()
    with pytest.raises(CheckpointError, match='loaded does not fit'):
        model.load_state_dict(weights, strict=False)


def test_partial_fit_loads_where_the_load_is_marked(checkpoints):
    """What a fine-tuning run's load is like: another head, marked by
    AtomicCheckpointHook.after_load_checkpoint."""
    model = get_model(DEMO_CONFIG, head=dict(num_classes=12))
    checkpoint = torch.load(checkpoints['ours'], weights_only=True)
    with pytest.raises(CheckpointError, match='shapes differ for 2 tensors'):
        load_checkpoint(model, checkpoints['ours'])
    load_metadata(checkpoint)[PARTIAL_LOAD] = True
    load_state_dict(model, checkpoint['state_dict'])  # as the runner loads
    key = 'backbone.stages.3.0.gamma'
    assert torch.equal(model.state_dict()[key], checkpoint['state_dict'][key])


def test_load_metadata_is_carried_by_a_plain_dict_of_weights():
    checkpoint = {'state_dict': {'weight': torch.zeros(1)}}
    load_metadata(checkpoint)['key'] = 'value'
    assert isinstance(checkpoint['state_dict'], OrderedDict)
    assert checkpoint['state_dict']._metadata[''] == {'key': 'value'}


def test_extra_output_norms_may_be_missing_the_heads_may_not(
        checkpoints, tmp_path):
    model = get_model(
        DEMO_CONFIG,
        pretrained=checkpoints['ours'],
        backbone=dict(out_indices=(0, 1, 2, 3)))
    assert model.backbone.norm0.weight.eq(1).all()  # its initial value
    checkpoint = torch.load(checkpoints['ours'], weights_only=True)
    del checkpoint['state_dict']['backbone.norm3.weight']
    torch.save(checkpoint, tmp_path / 'no_norm3.pth')
    with pytest.raises(
            CheckpointError,
            match=r"lacks 1 of the model's 354 tensors "
            r'\(backbone.norm3.weight\)'):
        get_model(
            DEMO_CONFIG,
            pretrained=str(tmp_path / 'no_norm3.pth'),
            backbone=dict(out_indices=(0, 1, 2, 3)))
