# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Test (evaluate) a checkpoint, like mmpretrain's tools/test.py.

Single process (GPU or CPU):  python tools/test.py CONFIG CHECKPOINT [options]
Several processes:            bash tools/dist_test.sh CONFIG CHECKPOINT N
"""
import argparse
import os
import sys

from mmengine.config import Config, DictAction

from mmconvnext_lstm.apis import UsageError, merge_test_args, test


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument('--out', help='the file to output results to')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='what --out holds: the metrics or the predictions (default)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as key=value pairs, e.g. '
        'test_dataloader.batch_size=64; a list as key="[a,b]" or key=a,b '
        '(quotes needed, no white space)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision test (needs a GPU)')
    parser.add_argument(
        '--show-dir',
        help='directory where the visualized predictions are saved')
    parser.add_argument(
        '--show',
        action='store_true',
        help='display the predictions in a window')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualize every this many samples')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='how long each window is displayed, in seconds')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable the pin_memory option of the dataloaders')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: the config\'s tta_model and '
        'tta_pipeline, else the average score of the image and its flip')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.out is None and args.out_item is not None:
        parser.error('--out-item needs --out: give the file to write to')
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    try:
        test(merge_test_args(cfg, args), args.out, args.out_item)
    except UsageError as error:
        sys.exit(f'error: {error}')


if __name__ == '__main__':
    main()
