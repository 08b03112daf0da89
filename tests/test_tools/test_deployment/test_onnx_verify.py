# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from helpers import REPO_ROOT

from onnx_verify import compare_outputs, image_files, image_inputs, verify_onnx

pytestmark = pytest.mark.unit

DEMO_TEST = osp.join(REPO_ROOT, 'demo', 'cifar10_demo', 'test')


def test_compare_outputs():
    reference = np.array([[1., 0., 0.], [0., 2., 0.], [0., 0., 3.]])
    candidate = reference + np.array([[0., 0., 0.], [0., 0., 2.5],
                                      [0.25, 0., 0.]])
    result = compare_outputs(reference, candidate)
    assert result['max_abs_diff'] == 2.5
    assert result['top1_agreement'] == pytest.approx(2 / 3)
    assert result['num'] == 3


def test_image_files_cover_every_class_folder():
    files = image_files(DEMO_TEST, 10)
    assert len(files) == 10
    assert len({osp.basename(osp.dirname(f)) for f in files}) == 10
    assert image_files(DEMO_TEST, 2000) == sorted(
        files + [f for f in image_files(DEMO_TEST, 2000) if f not in files])
    assert len(image_files(DEMO_TEST, 2000)) == 1000


def test_image_inputs_are_the_normalised_rgb_images(tiny_cfg, tiny_classifier):
    files = image_files(DEMO_TEST, 3)
    inputs = image_inputs(tiny_cfg, tiny_classifier, files)
    assert inputs.shape == (3, 3, 32, 32)
    # 32x32 images pass the resize and crop unchanged.
    rgb = mmcv.imread(files[1])[..., ::-1].transpose(2, 0,
                                                     1).astype(np.float32)
    mean = np.array([125.307, 122.961, 113.8575], np.float32)[:, None, None]
    std = np.array([51.5865, 50.847, 51.255], np.float32)[:, None, None]
    np.testing.assert_allclose(
        inputs[1].numpy(), (rgb - mean) / std, rtol=0, atol=1e-5)


def test_verify_onnx_compares_every_input_set(tiny_classifier, tiny_onnx):
    inputs = dict(
        five=torch.randn(5, 3, 32, 32), one=torch.randn(1, 3, 32, 32))
    results = verify_onnx(tiny_classifier, tiny_onnx, inputs, batch_size=2)
    assert list(results) == ['five', 'one']
    assert results['five']['num'] == 5 and results['one']['num'] == 1
    for result in results.values():
        assert result['max_abs_diff'] < 1e-5
        assert result['top1_agreement'] == 1.0
