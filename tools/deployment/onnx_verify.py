# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Compare an exported ONNX file in ONNX Runtime with the PyTorch model it
came from, on real images and on random inputs."""
import glob
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn

from onnx_export import INPUT_NAME, ClassifierOutput

# Largest |logit difference| accepted by default: float32 rounding across
# the model's 30-odd layers stays near 1e-6 at random and trained weights.
DEFAULT_TOLERANCE = 1e-4
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def onnxruntime_session(path: str, threads: int = 0):
    """An ONNX Runtime CPU session of ``path`` (``threads`` 0: ORT's
    default)."""
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def image_files(folder: str, num: int) -> List[str]:
    """``num`` images of ``folder`` (searched recursively), evenly spaced
    in name order, so that every class folder contributes."""
    files = sorted(
        path
        for path in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if path.lower().endswith(IMAGE_EXTENSIONS))
    step = max(1, len(files) // max(num, 1))
    return files[::step][:num]


def image_inputs(cfg, classifier: nn.Module,
                 files: Sequence[str]) -> torch.Tensor:
    """Model inputs of image files, prepared as mmpretrain's
    ``ImageClassificationInferencer`` prepares them: mmcv's image reading,
    the config's test pipeline, then the model's data preprocessor."""
    import mmcv
    from mmcv.transforms import Compose
    from mmpretrain.datasets import remove_transform
    from mmpretrain.registry import TRANSFORMS

    pipeline = Compose([
        TRANSFORMS.build(t) for t in remove_transform(
            cfg.test_dataloader.dataset.pipeline, 'LoadImageFromFile')
    ])
    images = []
    for path in files:
        img = mmcv.imread(path)
        images.append(
            pipeline(
                dict(
                    img=img, img_shape=img.shape[:2],
                    ori_shape=img.shape[:2]))['inputs'])
    with torch.no_grad():
        return classifier.data_preprocessor(
            dict(inputs=torch.stack(images)), False)['inputs']


def compare_outputs(reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Max absolute difference and top-1 agreement of two (N, classes)
    output arrays."""
    return dict(
        max_abs_diff=float(np.abs(reference - candidate).max()),
        top1_agreement=float(
            (reference.argmax(1) == candidate.argmax(1)).mean()),
        num=len(reference))


def verify_onnx(classifier: nn.Module,
                path: str,
                inputs: Dict[str, torch.Tensor],
                softmax: bool = False,
                batch_size: int = 16) -> Dict[str, dict]:
    """Run ONNX Runtime on ``path`` and PyTorch on ``classifier`` with the
    same inputs and compare their outputs.

    Args:
        classifier (nn.Module): The PyTorch classifier, in eval mode.
        path (str): Its exported ONNX file.
        inputs (dict): Names of input sets mapped to (N, 3, H, W) tensors;
            each set runs as one batch, except sets larger than
            ``batch_size``, which run in batches of that size.
        softmax (bool): Whether the file outputs softmax scores.
            Defaults to False.
        batch_size (int): Largest batch of a run. Defaults to 16.

    Returns:
        dict: Per input set, :func:`compare_outputs` of the two.
    """
    session = onnxruntime_session(path)
    module = ClassifierOutput(classifier, softmax).eval()
    results = {}
    for name, tensor in inputs.items():
        reference, candidate = [], []
        for batch in tensor.split(batch_size):
            with torch.no_grad():
                reference.append(module(batch).numpy())
            candidate.append(session.run(None, {INPUT_NAME: batch.numpy()})[0])
        results[name] = compare_outputs(
            np.concatenate(reference), np.concatenate(candidate))
    return results
