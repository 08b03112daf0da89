# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Export an image classifier to one ONNX file that carries its own
preprocessing: normalised images in, logits (or softmax scores) out.

The file's ``metadata_props`` hold what a runtime without torch and
mmpretrain needs to prepare an image and name its classes (see
:func:`preprocess_metadata`; ``demo/onnx_demo.py`` reads them):

- ``preprocess``: JSON ``{"steps": [...], "mean": [...], "std": [...],
  "to_rgb": bool}``, the config's test pipeline (resize and crop steps) and
  its data preprocessor;
- ``classes``: JSON list of class names, or ``null``;
- ``output``: ``"logits"`` or ``"softmax"``;
- ``input_size``: JSON ``[height, width]`` the file was exported at;
- ``dynamic_size``: ``"true"`` if other image sizes are accepted.
"""
import json
import warnings
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from mmconvnext_lstm.utils.errors import ConfigError

# torch 2.14's dynamo exporter writes opset 20 natively; ONNX Runtime runs it
# since 1.17.
DEFAULT_OPSET = 20
INPUT_NAME = 'input'
# The test-pipeline steps that only load or pack an image; the runtime
# decodes images as mmcv's default loader does (OpenCV, BGR colour).
_LOADING_STEPS = ('LoadImageFromFile', 'CheckedLoadImageFromFile',
                  'PackInputs')
# Mapping of each resize or crop step to the arguments the runtime needs,
# with mmcv's defaults.
_GEOMETRY_STEPS = {
    'ResizeEdge':
    dict(scale=None, edge='short', backend='cv2', interpolation='bilinear'),
    'CenterCrop':
    dict(crop_size=None),
}
# Models here divide the image side by 32 before their last stage.
_TOTAL_STRIDE = 32


class ClassifierOutput(nn.Module):
    """An mmpretrain ``ImageClassifier`` as a tensor-to-tensor module.

    Args:
        classifier (nn.Module): The classifier; its ``forward(inputs,
            mode='tensor')`` gives the head's logits.
        softmax (bool): Return softmax scores instead of logits.
            Defaults to False.
    """

    def __init__(self, classifier: nn.Module, softmax: bool = False):
        super().__init__()
        self.classifier = classifier
        self.softmax = softmax

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        logits = self.classifier(inputs, mode='tensor')
        return logits.softmax(-1) if self.softmax else logits


def min_input_size(classifier: nn.Module) -> int:
    """The smallest image side the classifier's backbone accepts."""
    return getattr(classifier.backbone, 'min_input_size', _TOTAL_STRIDE)


def _pipeline_steps(cfg) -> list:
    """The resize and crop steps of ``cfg``'s test pipeline, as plain data.

    Raises:
        ConfigError: The pipeline has a step the runtime cannot repeat.
    """
    steps = []
    for transform in cfg.test_dataloader.dataset.pipeline:
        name = transform['type'].split('.')[-1]
        if name in _LOADING_STEPS:
            continue
        if name not in _GEOMETRY_STEPS or transform.get('auto_pad', False):
            raise ConfigError(
                f'The test pipeline step {transform} has no equivalent in '
                'the ONNX runtime\'s preprocessing (it knows '
                f'{sorted(_GEOMETRY_STEPS)}, CenterCrop without auto_pad, '
                'and the loading steps). Replace it in '
                'test_dataloader.dataset.pipeline, e.g. with ResizeEdge and '
                'CenterCrop.')
        step = {
            key: transform.get(key, default)
            for key, default in _GEOMETRY_STEPS[name].items()
        }
        if name == 'CenterCrop' and isinstance(step['crop_size'], int):
            step['crop_size'] = [step['crop_size']] * 2
        steps.append(dict(type=name, **step))
    return steps


def preprocess_metadata(cfg, data_preprocessor: nn.Module) -> dict:
    """What a runtime does to an image file before the exported model:
    the config's test pipeline and the model's data preprocessor, as plain
    data.

    Args:
        cfg (Config): The model's config, with ``test_dataloader``.
        data_preprocessor (nn.Module): The built model's
            ``ClsDataPreprocessor``.

    Returns:
        dict: ``steps`` (resize and crop steps with their arguments),
        ``mean``, ``std`` (per channel, after ``to_rgb``) and ``to_rgb``.

    Raises:
        ConfigError: The pipeline has a step the runtime cannot repeat.
    """
    normalise = getattr(data_preprocessor, '_enable_normalize', False)
    return dict(
        steps=_pipeline_steps(cfg),
        mean=data_preprocessor.mean.flatten().tolist() if normalise else [0.] *
        3,
        std=data_preprocessor.std.flatten().tolist() if normalise else [1.] *
        3,
        to_rgb=bool(getattr(data_preprocessor, 'to_rgb', False)))


def pipeline_input_size(cfg) -> Optional[Tuple[int, int]]:
    """The ``(height, width)`` the test pipeline gives every image, or None
    when it does not fix one (no final crop)."""
    steps = _pipeline_steps(cfg)
    if steps and steps[-1]['type'] == 'CenterCrop':
        width, height = steps[-1]['crop_size']
        return height, width
    return None


def export_onnx(classifier: nn.Module,
                path: str,
                input_size: Sequence[int],
                dynamic_batch: bool = True,
                dynamic_size: bool = False,
                opset: int = DEFAULT_OPSET,
                softmax: bool = False,
                metadata: Optional[dict] = None) -> None:
    """Export ``classifier`` with torch's dynamo-based exporter to ``path``,
    weights included (one file).

    The legacy TorchScript exporter is not used: with a dynamic batch its
    file fails in ONNX Runtime at 224 px, where BiLSTM2D folds batch and
    image rows (columns) into the LSTMs' batch.

    Args:
        classifier (nn.Module): An mmpretrain ``ImageClassifier``, in eval
            mode.
        path (str): The ``.onnx`` file to write.
        input_size (Sequence[int]): ``(height, width)`` of the input (a
            fixed size, or the one recorded for a dynamic size).
        dynamic_batch (bool): Accept any batch size. Defaults to True.
        dynamic_size (bool): Accept any image size of at least
            :func:`min_input_size`. Defaults to False.
        opset (int): ONNX opset version. Defaults to :data:`DEFAULT_OPSET`.
        softmax (bool): Output softmax scores instead of logits.
            Defaults to False.
        metadata (dict, optional): Extra ``metadata_props``; values that
            are not strings are stored as JSON. Defaults to None.
    """
    height, width = input_size
    module = ClassifierOutput(classifier, softmax).eval()
    axes = {}
    if dynamic_batch:
        axes[0] = torch.export.Dim('batch', min=1)
    if dynamic_size:
        low = min_input_size(classifier)
        axes[2] = torch.export.Dim('height', min=low)
        axes[3] = torch.export.Dim('width', min=low)
    # torch.export fixes any size that is 1 in the example: two images, and
    # for a dynamic size a last feature map of at least 2x2.
    example_size = [
        max(side, 2 * _TOTAL_STRIDE) if dynamic_size else side
        for side in (height, width)
    ]
    example = torch.randn(2 if dynamic_batch else 1, 3, *example_size)
    with warnings.catch_warnings():
        # BiLSTM2D re-flattens its LSTM weights in every forward; the
        # exporter warns about the assignment, which changes no value.
        warnings.filterwarnings('ignore', message='The tensor attributes')
        program = torch.onnx.export(
            module, (example, ),
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=['softmax' if softmax else 'logits'],
            dynamic_shapes={'inputs': axes},
            opset_version=opset,
            verbose=False)
    shape = program.model.graph.inputs[0].shape
    static = [axis for axis in axes if isinstance(shape[axis], int)]
    if static:
        # The exporter falls back to fixed sizes when torch.export fails
        # with dynamic ones; a file must not claim what it cannot take.
        raise RuntimeError(
            f'torch\'s exporter fixed input axes {static} that were asked '
            f'to be dynamic (input shape {list(shape)}); export with a fixed '
            'image size.')
    props = dict(
        output='softmax' if softmax else 'logits',
        input_size=[height, width],
        dynamic_size=dynamic_size,
        **(metadata or {}))
    program.model.metadata_props.update({
        key:
        value if isinstance(value, str) else json.dumps(value)
        for key, value in props.items()
    })
    program.save(path, external_data=False)


def fixed_size_reason(classifier: nn.Module) -> Optional[str]:
    """Why the classifier's ONNX file cannot take any image size, or None
    if it can."""
    if any(isinstance(m, nn.LSTM) for m in classifier.modules()):
        return ('with a dynamic image size, torch\'s exporter writes a '
                'Reshape in the LSTM neck (the rows of the map back to the '
                'batch) that fails in ONNX Runtime at every size')
    return None
