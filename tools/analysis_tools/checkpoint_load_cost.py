# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""What the checks of ``read_checkpoint`` cost beside a plain weights-only
``torch.load``, on a checkpoint as the runner writes it (weights, AdamW
state after one step, message hub, meta with the digest of the weights).

The timings alternate in one process, so a shared machine slows both sides
alike; the ratios are what to compare.

Example:
    python tools/analysis_tools/checkpoint_load_cost.py \\
        configs/convnext_lstm/convnext-lstm-tiny_1xb64_cifar10-demo.py
"""
import argparse
import hashlib
import io
import os.path as osp
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS

import mmconvnext_lstm  # noqa: F401  registers the models
from mmconvnext_lstm.utils import read_checkpoint, weights_digest
from mmconvnext_lstm.utils.checkpoint import (WEIGHTS_DIGEST_KEY,
                                              scan_checkpoint,
                                              write_checkpoint)


def make_checkpoint(config: str) -> bytes:
    """The config's model after one AdamW step, saved as the runner does."""
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 32, 32), mode='tensor').sum().backward()
    optimizer.step()
    hub = MessageHub.get_instance('checkpoint_load_cost')
    for step in range(100):
        hub.update_scalar('train/loss', 1.0 / (step + 1))
    state_dict = model.state_dict()
    buffer = io.BytesIO()
    torch.save(
        dict(
            meta={
                'epoch': 1,
                WEIGHTS_DIGEST_KEY: weights_digest(state_dict)
            },
            state_dict=state_dict,
            optimizer=optimizer.state_dict(),
            message_hub=hub.state_dict()), buffer)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'config',
        nargs='?',
        default='configs/convnext_lstm/'
        'convnext-lstm-tiny_1xb64_cifar10-demo.py')
    parser.add_argument('--rounds', type=int, default=7)
    args = parser.parse_args()
    data = make_checkpoint(args.config)
    folder = tempfile.mkdtemp()
    path = osp.join(folder, 'epoch_1.pth')
    write_checkpoint(path, data)
    weights = torch.load(io.BytesIO(data))['state_dict']
    parts = {
        'torch.load (weights only)':
        lambda: torch.load(io.BytesIO(data), weights_only=True),
        'scan of the pickle':
        lambda: scan_checkpoint(path, data),
        'sha256 of the file':
        lambda: hashlib.sha256(data).hexdigest(),
        'digest of the weights':
        lambda: weights_digest(weights),
        'read_checkpoint (all)':
        lambda: read_checkpoint(path),
    }
    times = {name: [] for name in parts}
    for _ in range(args.rounds):
        for name, part in parts.items():
            start = time.perf_counter()
            part()
            times[name].append(time.perf_counter() - start)
    params = sum(v.numel() for v in weights.values() if v.is_floating_point())
    print(f'{path}: {len(data) / 2**20:.1f} MiB, {params / 1e6:.2f} M '
          f'weights, {args.rounds} alternating rounds; the median, and the '
          'fastest round (the least disturbed on a shared machine)')
    loads = times['torch.load (weights only)']
    for name, values in times.items():
        shares = [
            statistic(values) / statistic(loads)
            for statistic in (statistics.median, min)
        ]
        print(f'{name:28s} median {statistics.median(values) * 1e3:7.1f} ms '
              f'{shares[0]:6.1%} of torch.load, fastest '
              f'{min(values) * 1e3:7.1f} ms {shares[1]:6.1%}')


if __name__ == '__main__':
    main()
