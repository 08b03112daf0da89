# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""One PNG that shows what a classifier extracts from an image."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from matplotlib.figure import Figure
from mmpretrain.apis import ImageClassificationInferencer

from mmconvnext_lstm.apis.checkpoint import check_checkpoint
from .feature_maps import (CamResult, collect_feature_maps, default_cam_stage,
                           grad_cam)


def load_classifier(config: str,
                    checkpoint: str,
                    device: str = 'cpu') -> ImageClassificationInferencer:
    """Build an inferencer from a config file and a trained checkpoint.

    Args:
        config (str): Path of the model's config file.
        checkpoint (str): Path of the checkpoint trained with it.
        device (str): Where to run the model. Defaults to 'cpu'.

    Returns:
        ImageClassificationInferencer: The model with its test pipeline.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'Config {config} does not exist. Give the config file the '
            'checkpoint was trained with.')
    check_checkpoint(checkpoint)
    return ImageClassificationInferencer(
        config, pretrained=checkpoint, device=device)


def preprocess_image(inferencer: ImageClassificationInferencer,
                     image: str) -> Tuple[torch.Tensor, np.ndarray]:
    """Turn an image file into the model's input.

    Args:
        inferencer (ImageClassificationInferencer): The model and its test
            pipeline (resizing, cropping).
        image (str): Path of the image.

    Returns:
        Tuple[Tensor, np.ndarray]: The normalised (1, 3, H, W) input and the
        same image as the model sees it, (H, W, 3) RGB uint8, for display.
    """
    if not osp.isfile(image):
        raise FileNotFoundError(f'Image {image} does not exist.')
    batch = next(inferencer.preprocess([image]))
    shown = batch['inputs'][0].permute(1, 2, 0).numpy()
    data_preprocessor = inferencer.model.data_preprocessor
    # The pipeline keeps the decoder's BGR order unless the data
    # preprocessor converts it.
    if not getattr(data_preprocessor, 'to_rgb', False):
        shown = shown[..., ::-1]
    inputs = data_preprocessor(batch, False)['inputs']
    return inputs, np.ascontiguousarray(shown)


def _channel_mean(feature_map: torch.Tensor) -> np.ndarray:
    return feature_map[0].mean(0).numpy()


def _show_map(ax, values: np.ndarray, title: str, cmap: str = 'viridis'):
    image = ax.imshow(values, cmap=cmap, interpolation='nearest')
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    if values.size == 1:
        # A 1x1 map (the last stage at 32x32 input) is one colour: its
        # value says more than a colour bar.
        ax.text(
            0,
            0,
            f'{values.item():.3g}',
            ha='center',
            va='center',
            color='white',
            fontsize=12)
    else:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02)


def _class_name(classes: Optional[Sequence[str]], index: int) -> str:
    return classes[index] if classes and index < len(classes) else str(index)


def draw_feature_figure(image: np.ndarray,
                        maps: Dict[str, torch.Tensor],
                        out_file: str,
                        classes: Optional[Sequence[str]] = None,
                        cams: Optional[Dict[str, CamResult]] = None) -> str:
    """Draw the input, the stage maps, the BiLSTM2D change and Grad-CAMs.

    Row 1: the input and the channel-mean activation of every stage.
    Row 2 (with a BiLSTM2D neck): the L2 norm over channels of the map the
    layer receives and of the map it pools, the size of its change at every
    position (L2 norm over channels) and every channel's pooled value after
    against before the layer (points off the diagonal are what it changed).
    Row 3 (with ``cams``): one Grad-CAM overlay per model.

    Args:
        image (np.ndarray): The (H, W, 3) RGB image the model saw.
        maps (Dict[str, Tensor]): :func:`collect_feature_maps`'s output.
        out_file (str): Path of the PNG to write.
        classes (Sequence[str], optional): Class names. Defaults to None.
        cams (Dict[str, CamResult], optional): Grad-CAM results by model
            name. Defaults to None.

    Returns:
        str: ``out_file``.
    """
    stage_keys = [k for k in maps if k.startswith('stage')]
    has_bilstm = 'bilstm2d_in' in maps
    columns = max(len(stage_keys) + 1, 4)
    rows = 1 + has_bilstm + bool(cams)
    fig = Figure(figsize=(2.6 * columns, 2.5 * rows), dpi=100)
    grid = fig.add_gridspec(rows, columns)

    probs = maps['logits'][0].softmax(-1)
    top = int(probs.argmax())
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(image, interpolation='nearest')
    ax.set_title(
        f'input {image.shape[1]}x{image.shape[0]}\npredicted: '
        f'{_class_name(classes, top)} ({probs[top]:.0%})',
        fontsize=8)
    ax.axis('off')
    for i, key in enumerate(stage_keys):
        _, c, h, w = maps[key].shape
        _show_map(
            fig.add_subplot(grid[0, i + 1]), _channel_mean(maps[key]),
            f'stage {i + 1}: {c} ch, {h}x{w}\n(channel mean)')

    row = 1
    if has_bilstm:
        before, after = maps['bilstm2d_in'], maps['bilstm2d_out']
        _, c, h, w = before.shape
        # The input is layer-normalised over channels, so its channel mean
        # is zero everywhere; the norm shows where the activations are.
        _show_map(
            fig.add_subplot(grid[row, 0]), before[0].norm(dim=0).numpy(),
            f'BiLSTM2D input {h}x{w}\n(L2 norm over channels)')
        _show_map(
            fig.add_subplot(grid[row, 1]), after[0].norm(dim=0).numpy(),
            f'BiLSTM2D output {h}x{w}\n(L2 norm over channels)')
        change = (after - before)[0].norm(dim=0).numpy()
        relative = float((after - before).norm() / before.norm())
        _show_map(
            fig.add_subplot(grid[row, 2]),
            change, f'|output - input| per position\n(relative change '
            f'{relative:.0%})',
            cmap='magma')
        ax = fig.add_subplot(grid[row, 3:])
        x = before[0].mean((1, 2)).numpy()
        y = after[0].mean((1, 2)).numpy()
        ax.scatter(x, y, s=4, alpha=0.6)
        low, high = min(x.min(), y.min()), max(x.max(), y.max())
        ax.plot([low, high], [low, high], 'k--', linewidth=0.8)
        ax.set_xlabel('channel value before BiLSTM2D (pooled)', fontsize=7)
        ax.set_ylabel('after', fontsize=7)
        ax.set_title(f'{c} channels: after vs before', fontsize=8)
        ax.tick_params(labelsize=6)
        row += 1

    for i, (name, result) in enumerate((cams or {}).items()):
        if i >= columns:
            break
        ax = fig.add_subplot(grid[row, i])
        ax.imshow(image, interpolation='nearest')
        ax.imshow(result.cam, cmap='jet', alpha=0.45, interpolation='bilinear')
        ax.set_title(
            f'Grad-CAM {name}, stage {result.stage + 1}\n'
            f'{_class_name(classes, result.class_index)} '
            f'({result.score:.0%})',
            fontsize=8)
        ax.axis('off')

    fig.tight_layout()
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out_file)
    return out_file


def visualize_features(image: str,
                       config: str,
                       checkpoint: str,
                       out_file: str,
                       baseline_config: Optional[str] = None,
                       baseline_checkpoint: Optional[str] = None,
                       cam_stage: Optional[int] = None,
                       class_index: Optional[int] = None,
                       device: str = 'cpu') -> str:
    """Write :func:`draw_feature_figure`'s PNG for one image and model.

    Args:
        image (str): Path of the image.
        config (str): The model's config file.
        checkpoint (str): The model's checkpoint.
        out_file (str): Path of the PNG to write.
        baseline_config (str, optional): A second model (e.g. ConvNeXt) to
            compare Grad-CAMs with. Defaults to None.
        baseline_checkpoint (str, optional): Its checkpoint; needed with
            ``baseline_config``. Defaults to None.
        cam_stage (int, optional): The stage (0-based) Grad-CAM explains.
            Defaults to None: the deepest stage at least 4 pixels wide. With
            neither this nor a baseline, no Grad-CAM row is drawn.
        class_index (int, optional): The class Grad-CAM explains. Defaults
            to None, each model's predicted class.
        device (str): Where to run the models. Defaults to 'cpu'.

    Returns:
        str: ``out_file``.
    """
    if (baseline_config is None) != (baseline_checkpoint is None):
        raise ValueError('Give both baseline_config and baseline_checkpoint '
                         'to compare with a baseline, or neither.')
    inferencer = load_classifier(config, checkpoint, device)
    inputs, shown = preprocess_image(inferencer, image)
    maps = {
        k: v.cpu()
        for k, v in collect_feature_maps(inferencer.model, inputs).items()
    }
    cams = {}
    if cam_stage is not None or baseline_config is not None:
        models = {'ours': (inferencer, inputs)}
        if baseline_config is not None:
            baseline = load_classifier(baseline_config, baseline_checkpoint,
                                       device)
            models['baseline'] = (baseline, preprocess_image(baseline,
                                                             image)[0])
        for name, (model_inferencer, model_inputs) in models.items():
            model = model_inferencer.model
            stage = cam_stage if cam_stage is not None else \
                default_cam_stage(model, model_inputs)
            cams[name] = grad_cam(model, model_inputs, stage, class_index)
    return draw_feature_figure(shown, maps, out_file, inferencer.classes, cams)
