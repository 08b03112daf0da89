# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Compare models' training and inference throughput, memory and FLOP/s
utilisation in one run; see docs/benchmarks.md.

    python tools/analysis_tools/benchmark.py                 # the default
    python tools/analysis_tools/benchmark.py --modes neck --shapes 224:16 \
        384:16 512:16 \
        --models ours=configs/_base_/models/convnext_lstm/convnext-lstm-tiny.py
    python tools/analysis_tools/benchmark.py --device cuda --amp \
        --channels-last --shapes 224:64
"""
import argparse
import os
import os.path as osp

import torch

from amp_check import DEFAULT_TOLERANCE, amp_output_error
from benchmark_memory import cpu_kind
from benchmark_report import dump_json, format_markdown
from benchmark_runner import (DEFAULT_REFERENCE, MODES, default_model_configs,
                              run_benchmark)


def _shape(text):
    try:
        size, batch = (int(v) for v in text.split(':'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'a shape is SIZE:BATCH, e.g. 224:16, got {text!r}')
    if size < 1 or batch < 1:
        raise argparse.ArgumentTypeError(
            f'size and batch must be positive, got {text!r}')
    return size, batch


def _model(text):
    name, sep, config = text.partition('=')
    if not sep or not name or not config:
        raise argparse.ArgumentTypeError(
            f'a model is NAME=CONFIG, got {text!r}')
    if not osp.isfile(config):
        raise argparse.ArgumentTypeError(
            f'the config {config!r} of {name!r} does not exist')
    return name, config


def parse_args():
    parser = argparse.ArgumentParser(
        description='Training-step and inference throughput, peak memory '
        'and achieved FLOP/s of several models, measured in turns in one '
        'process.')
    parser.add_argument(
        '--models',
        nargs='+',
        type=_model,
        metavar='NAME=CONFIG',
        help='models to compare (default: ConvNeXt-LSTM-T, ConvNeXt-T and '
        'ConvNeXt-T/512 from configs/_base_/models)')
    parser.add_argument(
        '--reference',
        help='the model speed-ups are relative to (default: '
        f'{DEFAULT_REFERENCE} when compared, else none)')
    parser.add_argument(
        '--shapes',
        nargs='+',
        type=_shape,
        default=[(224, 16), (32, 128)],
        metavar='SIZE:BATCH',
        help='square input sizes and their batch sizes '
        '(default: 224:16 32:128)')
    parser.add_argument(
        '--modes',
        nargs='+',
        choices=MODES,
        default=['train', 'infer'],
        help='train: forward+backward+optimizer step; infer: forward; neck: '
        'the LSTM neck\'s forward+backward and its share of the training '
        'step; onnxruntime: forward of the ONNX export in ONNX Runtime '
        '(CPU, not for compiled models; needs `pip install .[deploy]`) '
        '(default: train infer)')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu or cuda[:N] (default: cuda when available)')
    parser.add_argument('--amp', action='store_true', help='bfloat16 autocast')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels-last memory format for models and inputs')
    parser.add_argument(
        '--compile',
        nargs='*',
        metavar='NAME',
        help='torch.compile the backbones and necks of the models named, or '
        'of all models if none is named')
    parser.add_argument(
        '--check-amp',
        action='store_true',
        help='instead of timing, compare each model\'s logits under '
        'bfloat16 autocast (channels-last if --channels-last) with fp32 ones '
        'at the first shape; exits with 1 if any relative error exceeds '
        '--tolerance')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=DEFAULT_TOLERANCE,
        help='largest relative error --check-amp accepts (default: '
        f'{DEFAULT_TOLERANCE})')
    parser.add_argument(
        '--optimizer',
        choices=['adamw', 'sgd'],
        default='adamw',
        help='optimizer of the training step (default: adamw)')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='add each case\'s torch.profiler table of its 15 costliest '
        'operators (one step) to the report')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=1)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument(
        '--threads', type=int, help='torch CPU threads (default: torch\'s)')
    parser.add_argument(
        '--clock',
        choices=['wall', 'cpu'],
        default='wall',
        help='time steps by the wall clock or by the process\'s CPU time '
        '(for a loaded machine, with --threads 1; default: wall)')
    parser.add_argument(
        '--matmul-size',
        type=int,
        help='side of the reference matmul (default: 8192 on CUDA, 2048 '
        'on the CPU)')
    parser.add_argument(
        '--out-dir',
        default='work_dirs/benchmark',
        help='where benchmark.json and benchmark.md (amp_check.json with '
        '--check-amp) are written (default: work_dirs/benchmark)')
    return parser.parse_args()


def check_amp(models, args):
    size, batch = args.shapes[0]
    errors = {}
    for name, config in models.items():
        errors[name] = amp_output_error(config, args.device, size, batch,
                                        args.channels_last)
        print(f'{name}: bfloat16 autocast vs fp32 logits at {size} px, '
              f'batch {batch}: ' + ', '.join(f'{k} {v:.4g}'
                                             for k, v in errors[name].items()))
    failed = [
        name for name, error in errors.items()
        if not error['relative_error'] <= args.tolerance
    ]
    os.makedirs(args.out_dir, exist_ok=True)
    dump_json(
        dict(
            device=args.device,
            size=size,
            batch=batch,
            channels_last=args.channels_last,
            tolerance=args.tolerance,
            cpu_kind=cpu_kind(),
            models=errors), osp.join(args.out_dir, 'amp_check.json'))
    if failed:
        print(f'FAILED: {failed} exceed relative error {args.tolerance}')
        return 1
    print(f'PASSED: all within relative error {args.tolerance}')
    return 0


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    models = dict(args.models) if args.models else default_model_configs()
    if args.check_amp:
        return check_amp(models, args)
    reference = args.reference
    if reference is None and DEFAULT_REFERENCE in models:
        reference = DEFAULT_REFERENCE
    results = run_benchmark(
        models,
        args.shapes,
        modes=args.modes,
        reference=reference,
        device=args.device,
        amp=args.amp,
        channels_last=args.channels_last,
        torch_compile=(args.compile or True)
        if args.compile is not None else False,
        optimizer=args.optimizer,
        profile=args.profile,
        warmup=args.warmup,
        iters=args.iters,
        reps=args.reps,
        matmul_size=args.matmul_size,
        clock=args.clock)
    os.makedirs(args.out_dir, exist_ok=True)
    dump_json(results, osp.join(args.out_dir, 'benchmark.json'))
    markdown = format_markdown(results)
    with open(osp.join(args.out_dir, 'benchmark.md'), 'w') as f:
        f.write(markdown)
    print(markdown)
    print(f'Results written to {args.out_dir}/benchmark.{{json,md}}')


if __name__ == '__main__':
    raise SystemExit(main())
