# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The benchmark's onnxruntime mode on a tiny model: one repetition, no
timings asserted (the machine may be busy)."""
import pytest
from fresh_checkpoint import DEMO_CONFIG
from helpers import tiny_model_config

from benchmark_report import format_markdown
from benchmark_runner import run_benchmark

pytestmark = pytest.mark.unit


def test_onnxruntime_mode_beside_pytorch_inference():
    model = tiny_model_config(DEMO_CONFIG).model
    results = run_benchmark({'tiny': model}, [(32, 3)],
                            modes=['infer', 'onnxruntime'],
                            reference='tiny',
                            warmup=1,
                            reps=1,
                            matmul_size=64,
                            log=lambda _: None)
    cases = {case['mode']: case for case in results['cases']}
    assert sorted(cases) == ['infer', 'onnxruntime']
    onnxruntime = cases['onnxruntime']
    assert (onnxruntime['size'], onnxruntime['batch']) == (32, 3)
    assert onnxruntime['images_per_s']['median'] > 0
    # Relative to PyTorch's inference of the same model.
    ratio = (
        onnxruntime['images_per_s']['median'] /
        cases['infer']['images_per_s']['median'])
    assert onnxruntime['speedup']['median'] == pytest.approx(ratio)
    assert '| tiny | onnxruntime | 32 px | 3 |' in format_markdown(results)


def test_onnxruntime_mode_needs_float32_on_the_cpu():
    with pytest.raises(ValueError, match='float32 on the CPU'):
        run_benchmark({'tiny': tiny_model_config(DEMO_CONFIG).model},
                      [(32, 2)],
                      modes=['onnxruntime'],
                      amp=True)
