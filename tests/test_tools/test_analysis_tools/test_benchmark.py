# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Smoke tests of the benchmark's package: tiny inputs, one repetition, no
timings asserted (the machine may be busy). The command line is tested in
test_benchmark_cli.py."""

import os.path as osp

import pytest
import torch

from amp_check import amp_output_error
from benchmark_memory import CPU_FLAGS, MemoryMeter, cpu_kind, host_description
from benchmark_report import format_markdown
from benchmark_runner import run_benchmark

pytestmark = pytest.mark.unit


def test_run_benchmark_rejects_bad_settings(benchmark_configs):
    configs = benchmark_configs
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


def test_amp_output_error_on_cpu(benchmark_configs):
    error = amp_output_error(
        benchmark_configs['ours'], device='cpu', size=32, batch=2)
    assert set(error) == {
        'max_abs_error', 'relative_error', 'cosine', 'top1_agreement'
    }
    assert 0 < error['relative_error'] < 0.05
    assert error['cosine'] > 0.99


def _denormal_product() -> float:
    # 1e-20 * 1e-20 is below float32's normal range: 0 when flushed.
    return (torch.tensor([1e-20]) * torch.tensor([1e-20])).item()


def test_cpu_runs_flush_denormals_while_measuring(benchmark_configs):
    assert _denormal_product() > 0
    during = []
    results = run_benchmark(
        {'ours': benchmark_configs['ours']}, [(32, 2)],
        modes=['infer'],
        warmup=0,
        reps=1,
        matmul_size=64,
        log=lambda message: during.append(_denormal_product()))
    assert during and all(product == 0 for product in during)
    assert results['meta']['flush_denormals'] is True
    assert _denormal_product() > 0  # the process is left as it was


def test_cpu_kind_names_the_instruction_sets():
    kind = cpu_kind()
    assert set(kind) == {'vendor', 'model', 'flags'}
    assert set(kind['flags']) <= set(CPU_FLAGS)
    if osp.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            words = set(f.read().split())
        assert kind['vendor'] in words
        assert set(kind['flags']) == set(CPU_FLAGS) & words
    results = dict(
        meta=dict(
            date='d',
            device='cpu',
            host=host_description(),
            python='3',
            torch='2',
            amp=None,
            channels_last=False,
            torch_compile=False,
            warmup=1,
            iters=1,
            reps=1,
            reference=None),
        matmul=dict(
            size=2, dtype='float32', flops=dict(median=1., min=1., max=1.)),
        cases=[])
    assert f'({kind["vendor"]}; ' in format_markdown(results)
