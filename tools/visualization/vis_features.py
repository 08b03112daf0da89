# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Draw what ConvNeXt-LSTM extracts from an image, left to right: the output
of every backbone stage, then the BiLSTM2D layer's output map, each over the
image as the model sees it (mmpretrain's FeatureExtractor, mmengine's
Visualizer.draw_featmap), each panel titled with its stage and map size.

Grad-CAM is mmpretrain's tools/visualization/vis_cam.py (see
docs/getting_started.md).
"""
import argparse
import os
import os.path as osp
from typing import List, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from mmengine.visualization import Visualizer
from mmpretrain.apis import FeatureExtractor

# mmengine's reductions of all channels, beside ours of one channel.
REDUCTIONS = ('strongest', 'squeeze_mean', 'select_max')


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
        default='strongest',
        choices=REDUCTIONS,
        help='how the channels become one map: the channel that varies most '
        'over the image (default), or draw_featmap\'s squeeze_mean (the '
        'channel mean, about 0 everywhere after a LayerNorm) or select_max '
        '(the channel of largest sum)')
    parser.add_argument(
        '--size', type=int, default=128, help='side of each panel in pixels')
    parser.add_argument('--device', default='cpu', help='device to run on')
    return parser.parse_args()


def strongest_channel(featmap: torch.Tensor) -> int:
    """The channel of a (C, H, W) map with the largest spatial standard
    deviation: the one that tells most places apart.

    The channel mean shows nothing after a LayerNorm, which makes every
    position's channels average to the same value, so one channel is drawn.
    """
    return int(featmap.flatten(1).std(dim=1, correction=0).argmax())


def feature_panels(featmaps: List[torch.Tensor], image: np.ndarray,
                   reduction: str, size: int) -> List[Tuple[str, np.ndarray]]:
    """Each map as a titled heat map over ``image``.

    Args:
        featmaps (list[Tensor]): The (C, H, W) maps of the stages and the
            neck, in that order.
        image (np.ndarray): The (H, W, 3) RGB input of the model.
        reduction (str): One of :data:`REDUCTIONS`.
        size (int): Side of each panel in pixels; the image and every map
            are upsampled to it (bilinear; a map of one position stays one
            colour).

    Returns:
        list[tuple]: ``(title, (size, size, 3) uint8 RGB panel)`` per map.
    """
    image = mmcv.imresize(image, (size, size))
    panels = []
    for index, featmap in enumerate(featmaps):
        channels, height, width = featmap.shape
        name = f'stage {index + 1}' if index < len(featmaps) - 1 else \
            'BiLSTM2D'
        title = f'{name}: {channels}x{height}x{width}'
        if reduction == 'strongest':
            channel = strongest_channel(featmap)
            featmap = featmap[channel:channel + 1]
            title += f'\nchannel {channel}'
        featmap = F.interpolate(
            featmap[None].float(), (size, size),
            mode='bilinear' if height * width > 1 else 'nearest')[0]
        panel = Visualizer.draw_featmap(
            featmap,
            image,
            channel_reduction=None if reduction == 'strongest' else reduction,
            topk=0)
        panels.append((title, panel))
    return panels


def save_panels(panels: List[Tuple[str, np.ndarray]], out_file: str) -> None:
    """The panels side by side, each with its title above it."""
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    size = panels[0][1].shape[0]
    dpi = 100
    figure = Figure(
        figsize=(len(panels) * size / dpi, size / dpi + 0.4), dpi=dpi)
    for axes, (title, panel) in zip(figure.subplots(1, len(panels)), panels):
        axes.imshow(panel, interpolation='nearest')
        axes.set_title(title, fontsize=8)
        axes.axis('off')
    figure.subplots_adjust(
        left=0, right=1, bottom=0, top=size / (size + 40), wspace=0.02)
    figure.savefig(out_file)


def extract_features(
        img: str,
        config: str,
        checkpoint: str,
        device: str = 'cpu') -> Tuple[List[torch.Tensor], np.ndarray]:
    """The (C, H, W) output of every stage and of the neck (before its
    pooling), and the (H, W, 3) RGB image as the config's test pipeline
    gives it to the model (resized and cropped)."""
    extractor = FeatureExtractor(
        config,
        pretrained=checkpoint,
        device=device,
        backbone=dict(out_indices=(0, 1, 2, 3)),
        neck=dict(pooling=None))
    featmaps = [
        *extractor(img, stage='backbone')[0], *extractor(img, stage='neck')[0]
    ]
    inputs = extractor.pipeline(dict(img_path=img))['inputs']  # BGR, CHW
    return featmaps, np.ascontiguousarray(
        inputs.permute(1, 2, 0).numpy()[..., ::-1])


def main():
    args = parse_args()
    featmaps, image = extract_features(args.img, args.config, args.checkpoint,
                                       args.device)
    panels = feature_panels(featmaps, image, args.channel_reduction, args.size)
    save_panels(panels, args.out_file)
    print(f'Wrote {args.out_file}: ' +
          '; '.join(title.replace('\n', ', ') for title, _ in panels))


if __name__ == '__main__':
    main()
