# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Plot training loss and validation accuracy of runs from their work dirs."""
import argparse

from mmconvnext_lstm.visualization import plot_curves


def parse_args():
    parser = argparse.ArgumentParser(
        description='Plot the training loss and a validation metric of one '
        'or more runs (their work dirs, as tools/train.py wrote them) into '
        'one PNG.')
    parser.add_argument(
        'runs', nargs='+', help='work dirs, run dirs or scalars.json files')
    parser.add_argument(
        '--labels', nargs='+', help='legend names, one per run')
    parser.add_argument(
        '--metric', default='accuracy/top1', help='validation metric')
    parser.add_argument('--title', help='figure title')
    parser.add_argument(
        '--out-file', default='curves.png', help='PNG to write')
    return parser.parse_args()


def main():
    args = parse_args()
    out_file = plot_curves(args.runs, args.out_file, args.labels, args.metric,
                           args.title)
    print(f'Wrote {out_file}')


if __name__ == '__main__':
    main()
