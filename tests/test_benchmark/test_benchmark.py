# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Smoke tests of the benchmark: tiny inputs, one repetition, no timings
asserted (the machine may be busy)."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmconvnext_lstm.benchmark import (MemoryMeter, amp_output_error,
                                       format_markdown, run_benchmark)

pytestmark = pytest.mark.unit

MODELS = 'configs/_base_/models'


def _configs(repo_root):
    return {
        'ours': osp.join(repo_root, MODELS, 'convnext-lstm-tiny.py'),
        'small': osp.join(repo_root, MODELS, 'convnext-tiny-512.py'),
    }


def test_cli_writes_json_and_markdown(repo_root, tmp_path):
    configs = _configs(repo_root)
    result = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark.py', '--device', 'cpu',
        '--models', f'ours={configs["ours"]}', f'small={configs["small"]}',
        '--reference', 'small', '--shapes', '32:2', '--modes', 'infer', 'neck',
        '--warmup', '1', '--reps', '1', '--matmul-size', '256', '--out-dir',
        str(tmp_path)
    ],
                            cwd=repo_root,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    with open(tmp_path / 'benchmark.json') as f:
        results = json.load(f)
    cases = {(c['model'], c['mode']): c for c in results['cases']}
    # 'neck' brings its denominator 'train'; only ours has an LSTM neck.
    assert set(cases) == {('ours', 'infer'), ('ours', 'train'),
                          ('ours', 'neck'), ('small', 'infer'),
                          ('small', 'train')}
    for case in cases.values():
        assert case['size'] == 32 and case['batch'] == 2
        assert len(case['images_per_s']['runs']) == 1
        assert case['images_per_s']['median'] > 0
    assert cases['small', 'train']['speedup']['median'] == 1
    assert cases['ours', 'train']['macs_per_image'] > 0
    assert 0 < cases['ours', 'infer']['matmul_fraction']['median']
    assert 0 < cases['ours', 'neck']['share_of_train_step']['median']
    assert results['meta']['reference'] == 'small'
    assert results['matmul']['flops']['median'] > 0
    markdown = (tmp_path / 'benchmark.md').read_text()
    assert markdown == format_markdown(results)
    assert '| ours | train | 32 px | 2 |' in markdown
    assert 'neck share of the step' in markdown
    assert 'denormals flushed' in markdown
    assert markdown in result.stdout


@pytest.mark.parametrize('arg, message', [
    (['--shapes', '224'], 'a shape is SIZE:BATCH'),
    (['--models', 'ours'], 'a model is NAME=CONFIG'),
    (['--models', 'ours=missing.py'], 'does not exist'),
])
def test_cli_rejects_bad_arguments(repo_root, arg, message):
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', *arg],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120)
    assert result.returncode == 2
    assert message in result.stderr


def test_run_benchmark_rejects_bad_settings(repo_root):
    configs = _configs(repo_root)
    with pytest.raises(ValueError, match='Unknown modes'):
        run_benchmark(configs, [(32, 2)], modes=['fly'])
    with pytest.raises(ValueError, match='reference model'):
        run_benchmark(configs, [(32, 2)], reference='ConvNeXt-T')


def test_memory_meter_sees_an_allocation():
    meter = MemoryMeter('cpu')
    before = meter.current()
    with meter.peak() as peak:
        block = torch.ones(64 * 2**20 // 4)  # 64 MiB, touched
        del block
    if peak['peak'] is None:
        pytest.skip('/proc/self/clear_refs is not writable here')
    assert peak['peak'] - before >= 60 * 2**20


def test_amp_output_error_on_cpu(repo_root):
    error = amp_output_error(
        _configs(repo_root)['ours'], device='cpu', size=32, batch=2)
    assert set(error) == {
        'max_abs_error', 'relative_error', 'cosine', 'top1_agreement'
    }
    assert 0 < error['relative_error'] < 0.05
    assert error['cosine'] > 0.99


def _denormal_product() -> float:
    # 1e-20 * 1e-20 is below float32's normal range: 0 when flushed.
    return (torch.tensor([1e-20]) * torch.tensor([1e-20])).item()


def test_cpu_runs_flush_denormals_while_measuring(repo_root):
    assert _denormal_product() > 0
    during = []
    results = run_benchmark(
        {'ours': _configs(repo_root)['ours']}, [(32, 2)],
        modes=['infer'],
        warmup=0,
        reps=1,
        matmul_size=64,
        log=lambda message: during.append(_denormal_product()))
    assert during and all(product == 0 for product in during)
    assert results['meta']['flush_denormals'] is True
    assert _denormal_product() > 0  # the process is left as it was
