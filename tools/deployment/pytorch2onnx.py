# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Export a classifier of a config and checkpoint to ONNX (one file, with
the preprocessing and class names in its metadata) and optionally verify it
in ONNX Runtime against PyTorch; see docs/deployment.md.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT \
        --output-file model.onnx --dynamic-export --verify
"""
import argparse
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint
from mmpretrain.apis import get_model

import mmconvnext_lstm  # noqa: F401  registers our models; safe torch.load
from mmconvnext_lstm.utils import check_fit, read_checkpoint
from mmconvnext_lstm.utils.errors import UsageError
from onnx_export import (DEFAULT_OPSET, export_onnx, fixed_size_reason,
                         min_input_size, pipeline_input_size,
                         preprocess_metadata)
from onnx_verify import (DEFAULT_TOLERANCE, image_files, image_inputs,
                         verify_onnx)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_IMAGES = osp.join(REPO_ROOT, 'demo', 'cifar10_demo', 'test')
# Random-input batch sizes of --verify: none is the exported example's (2).
VERIFY_BATCH_SIZES = (1, 3, 8)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert a classifier to ONNX and verify it in ONNX '
        'Runtime.')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--output-file',
        help='the .onnx file to write (default: the checkpoint\'s name '
        'with .onnx)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        metavar='SIZE',
        help='input height and width (one value: square; default: the '
        'test pipeline\'s crop size)')
    parser.add_argument(
        '--dynamic-export',
        action='store_true',
        help='accept any batch size, and any image size where the model '
        'allows it')
    parser.add_argument(
        '--opset',
        '--opset-version',
        type=int,
        default=DEFAULT_OPSET,
        help=f'ONNX opset version (default: {DEFAULT_OPSET})')
    parser.add_argument(
        '--softmax',
        action='store_true',
        help='output softmax scores instead of logits')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='compare ONNX Runtime with PyTorch on demo images and random '
        'inputs; exit with 1 above --tolerance')
    parser.add_argument(
        '--verify-images',
        default=DEMO_IMAGES,
        help='folder of images for --verify (default: the CIFAR-10 demo '
        'test set)')
    parser.add_argument(
        '--num-verify-images',
        type=int,
        default=50,
        help='images of --verify-images used (default: 50)')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=DEFAULT_TOLERANCE,
        help='largest absolute output difference --verify accepts '
        f'(default: {DEFAULT_TOLERANCE})')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as in tools/test.py')
    return parser.parse_args()


def load_checked_checkpoint(model, path: str) -> dict:
    """Load ``path`` into ``model`` as tools/test.py does: a digest-checked,
    weights-only read, refused unless every tensor fits the model, then
    mmengine's ``load_checkpoint``.

    Returns:
        dict: The checkpoint (its ``meta`` has the class names).
    """
    check_fit(path, read_checkpoint(path), model.state_dict())
    return load_checkpoint(model, path, map_location='cpu', strict=True)


def input_size(args, cfg, model) -> tuple:
    if args.shape:
        if len(args.shape) > 2:
            raise UsageError(f'--shape takes HEIGHT [WIDTH], got '
                             f'{len(args.shape)} values.')
        size = (args.shape[0], args.shape[-1])
    else:
        size = pipeline_input_size(cfg)
        if size is None:
            raise UsageError(
                'The config\'s test pipeline does not crop images to one '
                'size: give the input size with --shape HEIGHT WIDTH.')
    if min(size) < min_input_size(model):
        raise UsageError(f'--shape {size[0]} {size[1]} is too small for '
                         f'this model: the minimum side is '
                         f'{min_input_size(model)}.')
    return size


def verify(args, cfg, model, size) -> int:
    height, width = size
    files = image_files(args.verify_images, args.num_verify_images)
    inputs = {
        f'{len(files)} images of {args.verify_images}':
        image_inputs(cfg, model, files)
    } if files else {}
    batches = VERIFY_BATCH_SIZES if args.dynamic_export else (1, )
    generator = torch.Generator().manual_seed(0)
    for batch in batches:
        inputs[f'random, batch {batch}, {height}x{width}'] = torch.randn(
            batch, 3, height, width, generator=generator)
    results = verify_onnx(model, args.output_file, inputs, args.softmax)
    failed = False
    for name, result in results.items():
        ok = result['max_abs_diff'] <= args.tolerance
        failed |= not ok
        print(f'{"ok  " if ok else "FAIL"} {name}: max abs difference '
              f'{result["max_abs_diff"]:.3g}, top-1 agreement '
              f'{result["top1_agreement"]:.1%}')
    print(('FAILED' if failed else 'PASSED') + ': ONNX Runtime vs PyTorch, '
          f'tolerance {args.tolerance:g} (max abs difference)')
    return int(failed)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    args.output_file = args.output_file or (osp.splitext(args.checkpoint)[0] +
                                            '.onnx')
    model = get_model(cfg, device='cpu').eval()
    checkpoint = load_checked_checkpoint(model, args.checkpoint)
    # The checkpoint's class names, else the config's dataset's (which
    # get_model keeps).
    classes = (checkpoint.get('meta', {}).get('dataset_meta')
               or model._dataset_meta or {}).get('classes')
    size = input_size(args, cfg, model)
    reason = fixed_size_reason(model)
    if args.dynamic_export and reason:
        print(f'Dynamic batch; the image size stays {size[0]}x{size[1]}: '
              f'{reason}.')
    export_onnx(
        model,
        args.output_file,
        size,
        dynamic_batch=args.dynamic_export,
        dynamic_size=args.dynamic_export and not reason,
        opset=args.opset,
        softmax=args.softmax,
        metadata=dict(
            preprocess=preprocess_metadata(cfg, model.data_preprocessor),
            classes=list(classes) if classes else None,
            config=osp.basename(args.config)))
    print(f'Wrote {args.output_file} '
          f'({osp.getsize(args.output_file) / 2**20:.1f} MiB, weights '
          'included)')
    return verify(args, cfg, model, size) if args.verify else 0


if __name__ == '__main__':
    try:
        raise SystemExit(main())
    except UsageError as error:
        raise SystemExit(f'error: {error}')
