# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/analysis_tools/benchmark.py in subprocesses: tiny inputs, one
repetition, no timings asserted (the machine may be busy)."""
import json
import subprocess
import sys

import pytest

from benchmark_report import format_markdown

pytestmark = pytest.mark.e2e


def run_benchmark(repo_root, *args):
    """tools/analysis_tools/benchmark.py with ``args``, as a user runs it."""
    return subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark.py', *args],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300)


def test_cli_writes_json_and_markdown(repo_root, tmp_path, benchmark_configs):
    configs = benchmark_configs
    result = run_benchmark(repo_root, '--device', 'cpu', '--models',
                           f'ours={configs["ours"]}',
                           f'small={configs["small"]}', '--reference', 'small',
                           '--shapes', '32:2', '--modes', 'infer', 'neck',
                           '--warmup', '1', '--reps', '1', '--matmul-size',
                           '256', '--out-dir', str(tmp_path))
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
    result = run_benchmark(repo_root, *arg)
    assert result.returncode == 2
    assert message in result.stderr


def test_check_amp_writes_json(repo_root, tmp_path, benchmark_configs):
    configs = benchmark_configs
    result = run_benchmark(repo_root, '--check-amp', '--device', 'cpu',
                           '--shapes', '32:2',
                           '--models', f'ours={configs["ours"]}', '--out-dir',
                           str(tmp_path))
    assert result.returncode == 0, result.stderr
    with open(tmp_path / 'amp_check.json') as f:
        check = json.load(f)
    assert (check['size'], check['batch'], check['device']) == (32, 2, 'cpu')
    assert check['cpu_kind']['vendor'] and 'flags' in check['cpu_kind']
    error = check['models']['ours']['relative_error']
    assert 0 < error < check['tolerance']
    assert f'relative_error {error:.4g}' in result.stdout
    assert 'PASSED' in result.stdout
