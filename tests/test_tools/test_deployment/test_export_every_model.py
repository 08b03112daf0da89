# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Every model config (ours, the ablations, the baselines), one block per
stage and 8-64 channels, exports with --dynamic-export's settings and
matches PyTorch in ONNX Runtime at batch sizes it was not traced with."""
import glob
import os.path as osp

import pytest
import torch
from helpers import REPO_ROOT, tiny_model_config
from mmpretrain.apis import get_model

from onnx_export import ClassifierOutput, export_onnx, fixed_size_reason
from onnx_verify import onnxruntime_session

pytestmark = pytest.mark.e2e

MODEL_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '_base_', 'models', '*', '*.py')))
assert len(MODEL_CONFIGS) == 12, MODEL_CONFIGS


@pytest.mark.parametrize(
    'config', MODEL_CONFIGS, ids=[osp.basename(c) for c in MODEL_CONFIGS])
def test_model_exports_and_matches_pytorch(config, tmp_path):
    torch.manual_seed(0)
    model = get_model(tiny_model_config(config), device='cpu')
    model.init_weights()
    model.eval()
    dynamic_size = fixed_size_reason(model) is None
    path = str(tmp_path / 'model.onnx')
    export_onnx(model, path, (32, 32), dynamic_size=dynamic_size)
    session = onnxruntime_session(path)
    sizes = [(32, 32), (64, 96)] if dynamic_size else [(32, 32)]
    for batch in (1, 3):
        for height, width in sizes:
            inputs = torch.randn(batch, 3, height, width)
            with torch.no_grad():
                expected = ClassifierOutput(model)(inputs)
            logits = session.run(None, {'input': inputs.numpy()})[0]
            torch.testing.assert_close(
                torch.from_numpy(logits), expected, rtol=0, atol=1e-4)
