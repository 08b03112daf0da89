# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Regenerate demo/cifar10_demo from the CIFAR-10 JPEG archive."""
import argparse

from mmconvnext_lstm.demo_data import DEMO_ROOT, make_cifar10_demo


def parse_args():
    parser = argparse.ArgumentParser(
        description='Cut the embedded CIFAR-10 demo set (the first N images '
        'of every class) out of cifar10-jpg.tar.gz.')
    parser.add_argument('archive', help='path of cifar10-jpg.tar.gz')
    parser.add_argument('--out-dir', default=DEMO_ROOT, help='output folder')
    parser.add_argument(
        '--train-per-class',
        type=int,
        default=300,
        help='training images per class')
    parser.add_argument(
        '--test-per-class',
        type=int,
        default=100,
        help='test images per class')
    return parser.parse_args()


def main():
    args = parse_args()
    counts = make_cifar10_demo(args.archive, args.out_dir,
                               args.train_per_class, args.test_per_class)
    print(f'Wrote {counts["train"]} training and {counts["test"]} test '
          f'images to {args.out_dir}')


if __name__ == '__main__':
    main()
