# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Print a model config's parameters and MACs, with and without the LSTM.

    python tools/analysis_tools/get_flops.py CONFIG [--shape 224] \
        [--cfg-options KEY=VALUE ...]
    python tools/analysis_tools/get_flops.py --paper
"""
import argparse

from mmengine.config import Config, DictAction

from complexity import build_model, model_complexity
from paper_tables import (compare_with_paper, format_comparison,
                          format_complexity)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Count the parameters and MACs (mmengine\'s "flops") of '
        'a model config, including the BiLSTM2D neck\'s LSTMs.')
    parser.add_argument('config', nargs='?', help='model config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[224],
        help='input size: one side, or height and width (default: 224)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. '
        '"model.backbone.block_cfg.pointwise_depth=2"')
    parser.add_argument(
        '--paper',
        action='store_true',
        help='print every row of the paper\'s Tables 4-7 beside our counts '
        'of the matching configs in configs/_base_/models')
    args = parser.parse_args()
    if not args.paper and args.config is None:
        parser.error('give a CONFIG, or --paper for the paper\'s tables')
    if len(args.shape) not in (1, 2):
        parser.error(f'--shape takes 1 or 2 sizes, got {args.shape}')
    return args


def main():
    args = parse_args()
    if args.paper:
        print(format_comparison(compare_with_paper()))
        return
    height, width = args.shape * 2 if len(args.shape) == 1 else args.shape
    input_shape = (3, height, width)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    result = model_complexity(build_model(cfg), input_shape)
    print(format_complexity(result, input_shape))


if __name__ == '__main__':
    main()
