# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Classify an image with an ONNX file written by
tools/deployment/pytorch2onnx.py, without torch or mmpretrain.

Needs only numpy, onnxruntime and opencv-python (Pillow too for configs that
resize with Pillow). The preprocessing (resize, crop, mean and std) and the
class names come from the file's metadata, so the scores equal those of
mmpretrain's ImageClassificationInferencer with the same config.

    python demo/onnx_demo.py model.onnx demo/cifar10_demo/test/cat/0000.jpg
"""
import json
from argparse import ArgumentParser

import cv2
import numpy as np
import onnxruntime

# mmcv's interpolation names for OpenCV and Pillow.
CV2_INTERPOLATION = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}


def parse_args():
    parser = ArgumentParser(description='Classify an image with ONNX Runtime.')
    parser.add_argument('onnx_file', help='ONNX file from pytorch2onnx.py')
    parser.add_argument('img', help='image file')
    parser.add_argument(
        '--topk', type=int, default=5, help='classes shown (default: 5)')
    return parser.parse_args()


def read_image(path: str) -> np.ndarray:
    """The image as an (H, W, 3) BGR uint8 array, decoded as mmcv does."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as error:
        raise SystemExit(f'error: cannot read {path}: {error.strerror}')
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise SystemExit(f'error: {path} is not an image OpenCV can decode')
    return img


def resize(img: np.ndarray, width: int, height: int, backend: str,
           interpolation: str) -> np.ndarray:
    """``mmcv.imresize`` with OpenCV or Pillow."""
    if backend == 'pillow':
        from PIL import Image
        method = getattr(Image.Resampling, interpolation.upper())
        return np.array(Image.fromarray(img).resize((width, height), method))
    return cv2.resize(
        img, (width, height), interpolation=CV2_INTERPOLATION[interpolation])


def resize_edge(img: np.ndarray, scale: int, edge: str, backend: str,
                interpolation: str) -> np.ndarray:
    """mmpretrain's ``ResizeEdge``: the ``edge`` side becomes ``scale``."""
    h, w = img.shape[:2]
    if (edge == 'short' and w < h) or (edge == 'long'
                                       and w > h) or edge == 'width':
        width, height = scale, int(scale * h / w)
    else:
        width, height = int(scale * w / h), scale
    return resize(img, width, height, backend, interpolation)


def center_crop(img: np.ndarray, crop_size: list) -> np.ndarray:
    """mmcv's ``CenterCrop`` (without padding)."""
    crop_w, crop_h = crop_size
    h, w = img.shape[:2]
    crop_h, crop_w = min(crop_h, h), min(crop_w, w)
    y1 = max(0, int(round((h - crop_h) / 2.)))
    x1 = max(0, int(round((w - crop_w) / 2.)))
    return img[y1:y1 + crop_h, x1:x1 + crop_w]


STEPS = {'ResizeEdge': resize_edge, 'CenterCrop': center_crop}


def preprocess(img: np.ndarray, spec: dict) -> np.ndarray:
    """A (1, 3, H, W) float32 input from a BGR image, by the file's
    ``preprocess`` metadata."""
    for step in spec['steps']:
        step = dict(step)
        img = STEPS[step.pop('type')](img, **step)
    chw = img.transpose(2, 0, 1)
    if spec['to_rgb']:
        chw = chw[::-1]
    mean = np.array(spec['mean'], np.float32).reshape(3, 1, 1)
    std = np.array(spec['std'], np.float32).reshape(3, 1, 1)
    return ((chw.astype(np.float32) - mean) / std)[None]


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def classify(session, img: np.ndarray) -> np.ndarray:
    """Class scores (softmax) of one BGR image."""
    meta = session.get_modelmeta().custom_metadata_map
    if 'preprocess' not in meta:
        raise SystemExit('error: the ONNX file has no "preprocess" '
                         'metadata; export it with '
                         'tools/deployment/pytorch2onnx.py')
    inputs = preprocess(img, json.loads(meta['preprocess']))
    expected = session.get_inputs()[0].shape[2:]
    if any(
            isinstance(e, int) and e != a
            for e, a in zip(expected, inputs.shape[2:])):
        raise SystemExit(
            f'error: the preprocessed image is {inputs.shape[2]}x'
            f'{inputs.shape[3]} but the model takes {expected[0]}x'
            f'{expected[1]}; export it with --dynamic-export or with '
            '--shape matching the images')
    scores = session.run(None, {session.get_inputs()[0].name: inputs})[0][0]
    return scores if meta.get('output') == 'softmax' else softmax(scores)


def main():
    args = parse_args()
    session = onnxruntime.InferenceSession(
        args.onnx_file, providers=['CPUExecutionProvider'])
    scores = classify(session, read_image(args.img))
    classes = json.loads(session.get_modelmeta().custom_metadata_map.get(
        'classes', 'null'))
    for label in np.argsort(-scores, kind='stable')[:args.topk]:
        name = classes[label] if classes else f'class {label}'
        print(f'{label}\t{name}\t{scores[label]:.6f}')


if __name__ == '__main__':
    main()
