# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Draw what ConvNeXt-LSTM extracts from an image, left to right: the output
of every backbone stage, then the BiLSTM2D layer's output map, each over the
image (mmpretrain's FeatureExtractor, mmengine's Visualizer.draw_featmap).

Grad-CAM is mmpretrain's tools/visualization/vis_cam.py (see
docs/getting_started.md).
"""
import argparse

import mmcv
import numpy as np
from mmengine.visualization import Visualizer
from mmpretrain.apis import FeatureExtractor


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write one image: the feature map of every stage and of '
        'the BiLSTM2D neck, over the input.')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file of the model')
    parser.add_argument(
        '--out-file', default='feature_maps.png', help='image to write')
    parser.add_argument(
        '--channel-reduction',
        default='squeeze_mean',
        choices=['squeeze_mean', 'select_max'],
        help='how draw_featmap turns the channels into one map')
    parser.add_argument(
        '--size', type=int, default=128, help='side of each panel in pixels')
    parser.add_argument('--device', default='cpu', help='device to run on')
    return parser.parse_args()


def main():
    args = parse_args()
    # Every stage's output, and the neck's map before pooling.
    extractor = FeatureExtractor(
        args.config,
        pretrained=args.checkpoint,
        device=args.device,
        backbone=dict(out_indices=(0, 1, 2, 3)),
        neck=dict(pooling=None))
    featmaps = [
        *extractor(args.img, stage='backbone')[0],
        *extractor(args.img, stage='neck')[0]
    ]
    image = mmcv.imread(args.img, channel_order='rgb')
    panels = [
        Visualizer.draw_featmap(
            featmap,
            image,
            channel_reduction=args.channel_reduction,
            resize_shape=(args.size, args.size)) for featmap in featmaps
    ]
    mmcv.imwrite(mmcv.rgb2bgr(np.concatenate(panels, axis=1)), args.out_file)
    print(f'Wrote {args.out_file}: stages 1-{len(featmaps) - 1}, BiLSTM2D')


if __name__ == '__main__':
    main()
