# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""What a classifier extracts from one image: the stage maps, the BiLSTM2D
layer's input and output maps, and Grad-CAM class activation maps."""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmconvnext_lstm.models.necks import BiLSTM2D


@dataclass
class CamResult:
    """A Grad-CAM map and the class it explains.

    Attributes:
        cam (np.ndarray): (H, W) map in [0, 1] at the input's resolution.
        class_index (int): The class whose score was differentiated.
        score (float): That class's softmax probability.
        stage (int): The stage whose output the map was computed on.
    """
    cam: np.ndarray
    class_index: int
    score: float
    stage: int


def _stages(model: BaseModel):
    stages = getattr(getattr(model, 'backbone', None), 'stages', None)
    if stages is None:
        raise TypeError(
            f'{type(model).__name__} has no backbone.stages: feature maps '
            'and Grad-CAM need a ConvNeXt-style backbone (MultiScaleConvNeXt '
            'or ConvNeXt).')
    return stages


def collect_feature_maps(model: BaseModel,
                         inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Run ``model`` on a normalised batch and keep its intermediate maps.

    Args:
        model (BaseModel): An mmpretrain ``ImageClassifier`` whose backbone
            has ``stages`` (MultiScaleConvNeXt, ConvNeXt), optionally with a
            :class:`BiLSTM2D` neck.
        inputs (torch.Tensor): The (B, 3, H, W) batch after the model's data
            preprocessor.

    Returns:
        Dict[str, Tensor]: ``'stage1'`` ... ``'stageN'``: every stage's
        (B, C, h, w) output; with a BiLSTM2D neck also ``'bilstm2d_in'``
        (the map it receives), ``'bilstm2d_mix'`` (what its LSTMs and FC
        compute from it) and ``'bilstm2d_out'`` (the map it pools: the mix
        plus the input when the neck is residual); ``'logits'``: the (B,
        num_classes) class scores.
    """
    maps = OrderedDict()
    hooks = [
        stage.register_forward_hook(
            lambda module, args, output, i=i: maps.__setitem__(
                f'stage{i + 1}', output.detach()))
        for i, stage in enumerate(_stages(model))
    ]
    neck = getattr(model, 'neck', None)
    if isinstance(neck, BiLSTM2D):
        hooks.append(
            neck.register_forward_hook(lambda module, args, output: maps.
                                       __setitem__('bilstm2d_in', args[0])))
    try:
        with torch.no_grad():
            maps['logits'] = model(inputs, mode='tensor')
            if 'bilstm2d_in' in maps:
                x = maps['bilstm2d_in']
                x = x[-1] if isinstance(x, (tuple, list)) else x
                mix = neck.bilstm2d(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
                maps['bilstm2d_in'] = x
                maps['bilstm2d_mix'] = mix
                maps['bilstm2d_out'] = x + mix if neck.residual else mix
    finally:
        for hook in hooks:
            hook.remove()
    # Stages first, then the neck, then the scores.
    maps.move_to_end('logits')
    return maps


def default_cam_stage(model: BaseModel,
                      inputs: torch.Tensor,
                      min_size: int = 4) -> int:
    """The deepest stage whose map is at least ``min_size`` pixels on its
    short side (at 32x32 input the last stage is 1x1, too coarse to show
    where the evidence lies)."""
    maps = collect_feature_maps(model, inputs)
    stage_maps = [v for k, v in maps.items() if k.startswith('stage')]
    for i in reversed(range(len(stage_maps))):
        if min(stage_maps[i].shape[-2:]) >= min_size:
            return i
    return 0


def grad_cam(model: BaseModel,
             inputs: torch.Tensor,
             stage: int,
             class_index: Optional[int] = None) -> CamResult:
    """Grad-CAM (Selvaraju et al., 2017) on the output of one stage.

    The stage's channels are weighted by the spatial mean of the gradient of
    the class score with respect to them; the positive part of the weighted
    sum, scaled to [0, 1] and resized to the input, is the map.

    Args:
        model (BaseModel): An mmpretrain ``ImageClassifier`` with a
            ConvNeXt-style backbone.
        inputs (torch.Tensor): One preprocessed image, (1, 3, H, W).
        stage (int): Index of the stage (0-based) to explain.
        class_index (int, optional): The class to explain. Defaults to None,
            which means the predicted class.

    Returns:
        CamResult: The map, the class, its probability and the stage.
    """
    stages = _stages(model)
    if not -len(stages) <= stage < len(stages):
        raise ValueError(f'stage {stage} does not exist: the backbone has '
                         f'{len(stages)} stages (0 to {len(stages) - 1}).')
    if inputs.shape[0] != 1:
        raise ValueError('grad_cam explains one image at a time, got a '
                         f'batch of {inputs.shape[0]}.')
    stage = stage % len(stages)
    saved = {}
    hook = stages[stage].register_forward_hook(
        lambda module, args, output: saved.__setitem__('activation', output))
    try:
        with torch.enable_grad():
            # A graph from the input keeps the stage output differentiable
            # even when the model's parameters are frozen.
            logits = model(
                inputs.detach().clone().requires_grad_(True), mode='tensor')
            probs = logits.detach().softmax(-1)[0]
            if class_index is None:
                class_index = int(probs.argmax())
            if not 0 <= class_index < logits.shape[-1]:
                raise ValueError(
                    f'class_index {class_index} is out of range for a model '
                    f'with {logits.shape[-1]} classes.')
            (grad, ) = torch.autograd.grad(logits[0, class_index],
                                           saved['activation'])
    finally:
        hook.remove()
    activation = saved['activation'].detach()
    weights = grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * activation).sum(1, keepdim=True))
    cam = F.interpolate(
        cam, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
    cam = cam[0, 0].numpy()
    cam = cam / cam.max() if cam.max() > 0 else cam
    return CamResult(
        cam=cam,
        class_index=class_index,
        score=float(probs[class_index]),
        stage=stage)
