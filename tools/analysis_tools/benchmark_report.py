# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Markdown and JSON renderings of :func:`run_benchmark`'s results."""
import json
from typing import List, Optional


def _range(summary: Optional[dict], fmt: str, scale: float = 1.) -> str:
    if summary is None:
        return '-'
    median, low, high = (summary[k] * scale for k in ('median', 'min', 'max'))
    return (f'{median:{fmt}} ({low:{fmt}}-{high:{fmt}})')


def _mib(num_bytes: Optional[int]) -> str:
    return '-' if num_bytes is None else f'{num_bytes / 2**20:,.0f}'


def _cpu_flags(host: dict) -> str:
    kind = host.get('cpu_kind')
    if kind is None:
        return ''
    return f' ({kind["vendor"]}; {", ".join(kind["flags"]) or "no AVX2"})'


def format_markdown(results: dict) -> str:
    """Tables of the throughput cases and, if measured, the neck shares.

    Every figure is the median over repetitions with the range in brackets.
    """
    meta, matmul = results['meta'], results['matmul']
    host = meta['host']
    settings = ', '.join(f'{name}: {meta[key]}'
                         for name, key in (('AMP', 'amp'), ('channels-last',
                                                            'channels_last'),
                                           ('torch.compile', 'torch_compile'))
                         if meta[key])
    lines = [
        f'Measured {meta["date"]} on {meta["device"]} (host CPU: '
        f'{host["cpu"]}{_cpu_flags(host)}, {host["torch_threads"]} torch '
        'threads, load '
        f'average at the end {host["load_average"][0]:.2f}), Python '
        f'{meta["python"]}, PyTorch {meta["torch"]}'
        f'{", " + settings if settings else ""}'
        f'{", denormals flushed" if meta.get("flush_denormals") else ""}'
        f'{", CPU-time clock" if meta.get("clock") == "cpu" else ""}; '
        f'{meta.get("optimizer", "adamw")} training steps; {meta["warmup"]} '
        'warm-up '
        f'iterations, {meta["reps"]} repetitions of {meta["iters"]} '
        'iteration(s); median (min-max).',
        '',
        f'Dense matmul reference ({matmul["size"]}x{matmul["size"]}, '
        f'{matmul["dtype"]}): {_range(matmul["flops"], ".3g", 1e-12)} '
        'TFLOP/s.',
        '',
    ]
    lines += _throughput_table(
        [c for c in results['cases'] if c['mode'] != 'neck'],
        meta['reference'])
    necks = [c for c in results['cases'] if c['mode'] == 'neck']
    if necks:
        lines += ['', *_neck_table(necks, results['cases'])]
    for label, table in results.get('profiles', {}).items():
        lines += [
            '', f'Profile of one step, {label}:', '', '```', table, '```'
        ]
    return '\n'.join(lines) + '\n'


def _throughput_table(cases: List[dict], reference: Optional[str]) -> list:
    speedup_header = f'x {reference}' if reference else 'speed-up'
    lines = [
        '| model | mode | input | batch | images/s | '
        f'{speedup_header} | GMACs/image | % of matmul FLOP/s | '
        'peak memory (MiB) |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for case in cases:
        lines.append(
            f'| {case["model"]} | {case["mode"]} | {case["size"]} px | '
            f'{case["batch"]} | {_range(case["images_per_s"], ".1f")} | '
            f'{_range(case.get("speedup"), ".2f")} | '
            f'{case["macs_per_image"] / 1e9:.3f} | '
            f'{_range(case.get("matmul_fraction"), ".1f", 100)} | '
            f'{_mib(case["peak_memory_bytes"])} |')
    return lines


def _neck_table(necks: List[dict], cases: List[dict]) -> list:
    train = {
        (c['model'], c['size'], c['batch']): c
        for c in cases if c['mode'] == 'train'
    }
    lines = [
        '| model | input | batch | training step (ms) | neck forward + '
        'backward (ms) | neck share of the step (%) |',
        '|---|---|---|---|---|---|',
    ]
    for neck in necks:
        step = train[neck['model'], neck['size'], neck['batch']]
        lines.append(
            f'| {neck["model"]} | {neck["size"]} px | {neck["batch"]} | '
            f'{_range(step["step_ms"], ".0f")} | '
            f'{_range(neck["step_ms"], ".1f")} | '
            f'{_range(neck["share_of_train_step"], ".1f", 100)} |')
    return lines


def dump_json(results: dict, path: str) -> None:
    """Write ``results`` to ``path`` as indented JSON."""
    with open(path, 'w') as f:
        json.dump(results, f, indent=2)
        f.write('\n')
