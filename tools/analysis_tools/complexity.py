# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Parameters and multiply-accumulates (MACs) of a model at an input size.

mmengine's :class:`~mmengine.analysis.FlopAnalyzer` counts one
multiply-accumulate as one "flop" and has no handle for ``aten::lstm``, so
a model with :class:`BiLSTM2D` would be counted as if its LSTMs were free.
:func:`lstm_flop_jit` is that missing handle; :func:`model_complexity`
registers it and reports the LSTMs' share apart, because the paper's MACs
figures leave it out.
"""
from typing import Any, List, Union

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from mmpretrain.models import BaseClassifier
from mmpretrain.registry import MODELS


def lstm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Count the MACs of an ``aten::lstm`` node, as mmengine counts a Linear.

    Each time step of each direction of each layer multiplies the step's
    input (``I`` wide) and the previous hidden state (``H`` wide) by the four
    gates' weights, ``4H x (I + H)`` MACs. Bias additions and the gates'
    element-wise products are not counted, as mmengine leaves out
    element-wise work everywhere else.

    Args:
        inputs (list): The node's inputs: ``input, hx, params, has_biases,
            num_layers, dropout, train, bidirectional, batch_first``.
        outputs (list): The node's outputs; the first is the output
            sequence, ``num_directions * H`` wide.

    Returns:
        int: The number of MACs.
    """
    input_shape = get_shape(inputs[0])
    output_shape = get_shape(outputs[0])
    num_layers = inputs[4].toIValue()
    num_directions = 2 if inputs[7].toIValue() else 1
    # A batched sequence is (N, L, I) or (L, N, I); either way the product
    # of the leading dims is the number of (sample, step) pairs.
    steps = 1
    for dim in input_shape[:-1]:
        steps *= dim
    hidden = output_shape[-1] // num_directions
    in_features = input_shape[-1]
    macs = 0
    for _ in range(num_layers):
        macs += num_directions * steps * 4 * hidden * (in_features + hidden)
        # Deeper layers read both directions' outputs.
        in_features = num_directions * hidden
    return macs


class _ClassifierLogits(nn.Module):
    """Trace a classifier from image to logits (``mode='tensor'``)."""

    def __init__(self, classifier: BaseClassifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.classifier(inputs, mode='tensor')


def build_model(config: Union[str, Config, dict]) -> nn.Module:
    """Build a model from a config file, a :class:`Config` or a model dict.

    Args:
        config (str | Config | dict): A config file path, a loaded config
            with a ``model`` field, or the model's config dict itself.

    Returns:
        nn.Module: The model built through ``mmpretrain.registry.MODELS``.
    """
    if isinstance(config, str):
        config = Config.fromfile(config)
    model_cfg = config['model'] if 'model' in config else config
    return MODELS.build(model_cfg)


def model_complexity(model: nn.Module, input_shape=(3, 224, 224)) -> dict:
    """Count the parameters and MACs of ``model`` on one input.

    A classifier is counted from image to logits (backbone, neck and head);
    any other module is counted on ``module(image)``.

    Args:
        model (nn.Module): The model. It is traced in eval mode and its
            train/eval mode is restored afterwards.
        input_shape (Sequence[int]): The (C, H, W) shape of one image; the
            count is for a batch of one. Defaults to (3, 224, 224).

    Returns:
        dict: ``params`` (int, all parameters), ``macs`` (int, including the
        LSTMs) and ``lstm_macs`` (int, the LSTMs' part of ``macs``).
    """
    if len(input_shape) != 3:
        raise ValueError('input_shape must be (C, H, W), got '
                         f'{tuple(input_shape)}.')
    traced = _ClassifierLogits(model) if isinstance(model,
                                                    BaseClassifier) else model
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        inputs = torch.zeros((1, *input_shape), device=device)
        analyzer = FlopAnalyzer(traced, inputs)
        analyzer.set_op_handle('aten::lstm', lstm_flop_jit)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        macs = analyzer.total()
        lstm_macs = analyzer.by_operator()['lstm']
    finally:
        model.train(was_training)
    return dict(
        params=sum(p.numel() for p in model.parameters()),
        macs=int(macs),
        lstm_macs=int(lstm_macs))
