# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import copy
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from fresh_checkpoint import BASELINE_DEMO_CONFIG
from helpers import REPO_ROOT, WITHOUT_TORCH, tiny_model_config
from mmengine.config import Config
from mmpretrain.apis import get_model

from mmconvnext_lstm.utils.errors import ConfigError
from onnx_export import (ClassifierOutput, fixed_size_reason, min_input_size,
                         pipeline_input_size, preprocess_metadata)
from onnx_verify import onnxruntime_session

pytestmark = pytest.mark.unit

TINY_IMAGENET_CONFIG = osp.join(REPO_ROOT, 'configs', 'convnext_lstm',
                                'convnext-lstm-tiny_8xb32_tiny-imagenet.py')


def test_dynamic_batch_matches_pytorch_at_two_batch_sizes(
        tiny_classifier, tiny_onnx):
    session = onnxruntime_session(tiny_onnx)
    assert session.get_inputs()[0].shape == ['batch', 3, 32, 32]
    assert session.get_outputs()[0].name == 'logits'
    module = ClassifierOutput(tiny_classifier)
    for batch in (1, 5):
        inputs = torch.randn(batch, 3, 32, 32)
        with torch.no_grad():
            expected = module(inputs).numpy()
        logits = session.run(None, {'input': inputs.numpy()})[0]
        assert logits.shape == (batch, 10)
        np.testing.assert_allclose(logits, expected, rtol=0, atol=1e-5)


def test_file_holds_weights_and_metadata(tiny_classifier, tiny_onnx):
    model = onnx.load(tiny_onnx, load_external_data=False)
    # Every weight inside the file: none stored as external data.
    assert all(init.data_location == onnx.TensorProto.DEFAULT
               for init in model.graph.initializer)
    assert os.listdir(osp.dirname(tiny_onnx)) == ['tiny.onnx']
    # float32 weights; the exporter folds a few (the LSTMs' two biases).
    num_params = sum(p.numel() for p in tiny_classifier.parameters())
    assert osp.getsize(tiny_onnx) > 0.9 * 4 * num_params
    meta = {prop.key: prop.value for prop in model.metadata_props}
    assert meta['output'] == 'logits'
    assert json.loads(meta['input_size']) == [32, 32]
    assert json.loads(meta['dynamic_size']) is False
    assert json.loads(meta['classes'])[3] == 'c3'


def test_file_runs_in_a_process_without_torch(tiny_onnx):
    script = WITHOUT_TORCH + (
        'import numpy as np, onnxruntime\n'
        f'session = onnxruntime.InferenceSession({tiny_onnx!r}, '
        'providers=["CPUExecutionProvider"])\n'
        'out = session.run(None, {"input": np.zeros((4, 3, 32, 32), '
        'np.float32)})[0]\n'
        'print(out.shape, "torch" in sys.modules and sys.modules["torch"])\n')
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True,
                            text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split('\n')[0] == '(4, 10) None'


def test_classifier_output_gives_logits_or_softmax(tiny_classifier):
    inputs = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        logits = ClassifierOutput(tiny_classifier)(inputs)
        scores = ClassifierOutput(tiny_classifier, softmax=True)(inputs)
        expected = tiny_classifier(inputs, mode='tensor')
    torch.testing.assert_close(logits, expected)
    torch.testing.assert_close(scores, expected.softmax(-1))


def test_preprocess_metadata_of_the_demo_config(tiny_cfg, tiny_classifier):
    meta = preprocess_metadata(tiny_cfg, tiny_classifier.data_preprocessor)
    assert meta['steps'] == [
        dict(
            type='ResizeEdge',
            scale=32,
            edge='short',
            backend='cv2',
            interpolation='bilinear'),
        dict(type='CenterCrop', crop_size=[32, 32]),
    ]
    # The CIFAR-10 training set's statistics, in RGB order.
    assert meta['mean'] == pytest.approx([125.307, 122.961, 113.8575])
    assert meta['std'] == pytest.approx([51.5865, 50.847, 51.255])
    assert meta['to_rgb'] is True
    assert pipeline_input_size(tiny_cfg) == (32, 32)


def test_preprocess_metadata_of_the_tiny_imagenet_recipe():
    cfg = Config.fromfile(TINY_IMAGENET_CONFIG)
    model = get_model(cfg, device='cpu')
    meta = preprocess_metadata(cfg, model.data_preprocessor)
    assert meta['steps'][0] == dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bicubic')
    assert meta['mean'] == pytest.approx([123.675, 116.28, 103.53])
    assert pipeline_input_size(cfg) == (224, 224)


def test_pipeline_without_crop_has_no_input_size():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'convnext_lstm',
                 'convnext-lstm-tiny_1xb128_cifar10.py'))
    assert pipeline_input_size(cfg) is None


def test_unknown_pipeline_step_is_refused(tiny_cfg, tiny_classifier):
    cfg = copy.deepcopy(tiny_cfg)
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='RandomFlip', prob=1.),
        dict(type='PackInputs')
    ]
    with pytest.raises(ConfigError, match='RandomFlip.*no equivalent'):
        preprocess_metadata(cfg, tiny_classifier.data_preprocessor)


def test_lstm_neck_keeps_a_fixed_image_size(tiny_classifier):
    assert 'LSTM neck' in fixed_size_reason(tiny_classifier)
    # The 7x7 stride-2 stem with padding 3 keeps a 31 px side to the end.
    assert min_input_size(tiny_classifier) == 31
    baseline = get_model(Config.fromfile(BASELINE_DEMO_CONFIG), device='cpu')
    assert fixed_size_reason(baseline) is None
    without_neck = get_model(
        tiny_model_config(
            osp.join(REPO_ROOT, 'configs', '_base_', 'models', 'convnext_lstm',
                     'convnext-lstm-tiny-model-d.py')),
        device='cpu')
    assert fixed_size_reason(without_neck) is None
