# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/deployment/pytorch2onnx.py on the demo config at 32 px with
--verify, then demo/onnx_demo.py on the file in a process without torch,
against mmpretrain's inferencer."""
import os.path as osp
import sys

import pytest
from e2e_utils import run
from fresh_checkpoint import (BASELINE_DEMO_CONFIG, DEMO_CONFIG, REPO_ROOT,
                              save_fresh_checkpoint)
from helpers import WITHOUT_TORCH
from mmpretrain.apis import ImageClassificationInferencer

pytestmark = pytest.mark.e2e

TOOL = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
ONNX_DEMO = osp.join(REPO_ROOT, 'demo', 'onnx_demo.py')
IMAGES = [
    osp.join(REPO_ROOT, 'demo', 'cifar10_demo', 'test', name)
    for name in ('cat/0000.jpg', 'ship/0007.jpg', 'truck/0042.jpg')
]


def onnx_demo_scores(onnx_file, image, cwd) -> dict:
    """demo/onnx_demo.py's printed scores by class name, run where torch
    and the OpenMMLab packages cannot be imported."""
    script = WITHOUT_TORCH + (
        'import runpy\n'
        f'sys.argv = ["onnx_demo.py", {str(onnx_file)!r}, {image!r}, '
        '"--topk", "10"]\n'
        f'runpy.run_path({ONNX_DEMO!r}, run_name="__main__")\n')
    lines = run([sys.executable, '-c', script], cwd=cwd).stdout.split('\n')
    rows = [line.split('\t') for line in lines if line.count('\t') == 2]
    return {name: float(score) for _, name, score in rows}


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return save_fresh_checkpoint(
        DEMO_CONFIG, str(tmp_path_factory.mktemp('ckpt') / 'demo.pth'))


def test_export_verify_and_onnx_demo(checkpoint, tmp_path):
    onnx_file = tmp_path / 'demo.onnx'
    out = run([
        sys.executable, TOOL, DEMO_CONFIG, checkpoint, '--output-file',
        onnx_file, '--dynamic-export', '--verify', '--num-verify-images', '20'
    ],
              cwd=tmp_path).stdout
    assert 'the image size stays 32x32' in out
    assert 'weights included' in out
    for name in ('20 images of', 'random, batch 1, 32x32',
                 'random, batch 3, 32x32', 'random, batch 8, 32x32'):
        assert f'ok   {name}' in out
    assert 'PASSED: ONNX Runtime vs PyTorch' in out
    assert onnx_file.is_file()

    inferencer = ImageClassificationInferencer(
        DEMO_CONFIG, pretrained=checkpoint, device='cpu')
    for image in IMAGES:
        expected = inferencer(image)[0]
        scores = onnx_demo_scores(onnx_file, image, tmp_path)
        assert len(scores) == 10
        assert max(scores, key=scores.get) == expected['pred_class']
        for label, name in enumerate(inferencer.classes):
            assert scores[name] == pytest.approx(
                float(expected['pred_scores'][label]), abs=2e-6)


def test_checkpoint_of_another_model_is_refused(tmp_path):
    baseline = save_fresh_checkpoint(BASELINE_DEMO_CONFIG,
                                     str(tmp_path / 'baseline.pth'))
    result = run([sys.executable, TOOL, DEMO_CONFIG, baseline, '--verify'],
                 cwd=tmp_path,
                 check=False)
    assert result.returncode == 1
    assert result.stdout.strip().split('\n')[-1].startswith(
        f'error: Checkpoint {baseline} does not fit the model')
    assert not (tmp_path / 'baseline.onnx').exists()
