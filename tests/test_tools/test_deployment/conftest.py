# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""A tiny ConvNeXt-LSTM and its ONNX export with a dynamic batch, shared by
the deployment tests."""
import pytest
import torch
from fresh_checkpoint import DEMO_CONFIG
from helpers import tiny_model_config
from mmpretrain.apis import get_model

from onnx_export import export_onnx, preprocess_metadata


@pytest.fixture(scope='session')
def tiny_cfg():
    return tiny_model_config(DEMO_CONFIG)


@pytest.fixture(scope='session')
def tiny_classifier(tiny_cfg):
    torch.manual_seed(0)
    model = get_model(tiny_cfg, device='cpu')
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='session')
def tiny_onnx(tiny_cfg, tiny_classifier, tmp_path_factory):
    """The tiny model exported at 32 px with a dynamic batch."""
    path = str(tmp_path_factory.mktemp('onnx') / 'tiny.onnx')
    export_onnx(
        tiny_classifier,
        path, (32, 32),
        metadata=dict(
            preprocess=preprocess_metadata(tiny_cfg,
                                           tiny_classifier.data_preprocessor),
            classes=[
                'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'
            ]))
    return path
