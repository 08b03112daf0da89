# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Draw what a trained model extracts from one image into a PNG: the stage
feature maps, the BiLSTM2D layer's change and, optionally, Grad-CAM against
a baseline."""
import argparse

from mmconvnext_lstm.visualization import visualize_features


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write one PNG with the input, per-stage feature maps '
        '(channel mean), the BiLSTM2D change and optional Grad-CAMs.')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file of the model')
    parser.add_argument(
        '--out-file', default='feature_maps.png', help='PNG to write')
    parser.add_argument(
        '--baseline-config',
        help='config of a model to compare Grad-CAM '
        'with (e.g. ConvNeXt)')
    parser.add_argument(
        '--baseline-checkpoint', help='checkpoint of that model')
    parser.add_argument(
        '--cam-stage',
        type=int,
        help='stage (0-based) Grad-CAM explains; default: the deepest '
        'stage at least 4 pixels wide. Giving it (or a baseline) adds the '
        'Grad-CAM row')
    parser.add_argument(
        '--target-class',
        type=int,
        help='class index Grad-CAM explains; default: the predicted one')
    parser.add_argument('--device', default='cpu', help='device to run on')
    return parser.parse_args()


def main():
    args = parse_args()
    out_file = visualize_features(
        args.img,
        args.config,
        args.checkpoint,
        args.out_file,
        baseline_config=args.baseline_config,
        baseline_checkpoint=args.baseline_checkpoint,
        cam_stage=args.cam_stage,
        class_index=args.target_class,
        device=args.device)
    print(f'Wrote {out_file}')


if __name__ == '__main__':
    main()
