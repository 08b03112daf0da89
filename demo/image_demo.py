# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Classify an image with a model name or config and a checkpoint, as
mmpretrain's demo/image_demo.py does."""
from argparse import ArgumentParser
from pprint import pprint

from mmpretrain.apis import ImageClassificationInferencer

import mmconvnext_lstm  # noqa: F401  registers our models and model names


def parse_args():
    parser = ArgumentParser(description='Classify an image.')
    parser.add_argument('img', help='image file')
    parser.add_argument(
        'model',
        help='config file, or a model name from '
        '`mmpretrain.list_models("*lstm*")`')
    parser.add_argument('--checkpoint', help='checkpoint file')
    parser.add_argument(
        '--show-dir',
        help='folder to save the image with its predicted class drawn on it')
    parser.add_argument(
        '--show', action='store_true', help='show the result in a window')
    parser.add_argument('--device', help='device, e.g. "cpu" or "cuda:0"')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.checkpoint is None:
        print('warning: no --checkpoint: the model is randomly initialised '
              'and its prediction is meaningless.')
    inferencer = ImageClassificationInferencer(
        args.model, pretrained=args.checkpoint or False, device=args.device)
    result = inferencer(args.img, show=args.show, show_dir=args.show_dir)[0]
    # The score of every class is long; the top one says it.
    result.pop('pred_scores')
    pprint(result)


if __name__ == '__main__':
    main()
