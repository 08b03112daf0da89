# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Helpers of the end-to-end tests: run the tools as a user does, in a
subprocess, from another folder."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

HERE = osp.dirname(osp.abspath(__file__))
BIN = osp.dirname(sys.executable)
# Generous: the machine may be shared; a run takes seconds when it is not.
TIMEOUT = 600

# ConvNeXt-LSTM-T shrunk so that the CPU tests take seconds.
SMALL_MODEL = """\
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True, depths=[1, 1, 1, 1], channels=[8, 16, 32, 64])),
    neck=dict(in_channels=64),
    head=dict(in_channels=64))
"""
# A user's experiment in their own folder: inherits the paper's CIFAR-10
# recipe by absolute path, changes the data root and the schedule, and
# shrinks the model.
MY_EXP = """\
_base_ = ['{recipe}']
custom_imports = dict(
    imports=['mmconvnext_lstm', 'e2e_plugin'], allow_failed_imports=False)

data_root = '{data_root}'
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(type='UncheckedCIFAR10', data_root=data_root))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type='UncheckedCIFAR10', data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=3)
default_hooks = dict(logger=dict(interval=1))
""" + SMALL_MODEL

# The CIFAR-10 recipe the user's experiment inherits.
CIFAR_RECIPE = 'configs/convnext_lstm/convnext-lstm-tiny_1xb128_cifar10.py'
NUM_TRAIN = 16  # images: 8 iterations of 2 per epoch


def run(cmd, cwd, check=True, **kwargs):
    """Run ``cmd`` (a list) with the venv first on PATH and this folder on
    PYTHONPATH; fail with its output when it fails."""
    env = dict(os.environ)
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    env['PYTHONPATH'] = HERE + os.pathsep + env.get('PYTHONPATH', '')
    env.update(kwargs.pop('env', {}))
    result = subprocess.run([str(c) for c in cmd],
                            cwd=str(cwd),
                            env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True,
                            timeout=TIMEOUT,
                            **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f'{" ".join(map(str, cmd))} exited with '
                    f'{result.returncode}:\n{result.stdout[-6000:]}')
    return result


def usage_error(cmd, cwd, **kwargs):
    """Run a tool that must stop with a usage error: exit status 1, no
    traceback, one ``error: ...`` line, the last; return that line."""
    result = run(cmd, cwd=cwd, check=False, **kwargs)
    assert result.returncode == 1, result.stdout[-3000:]
    assert 'Traceback' not in result.stdout, result.stdout[-3000:]
    lines = result.stdout.strip().splitlines()
    assert [line for line in lines if line.startswith('error:')] == lines[-1:]
    return lines[-1]


def checkpoint_meta(path) -> dict:
    """The ``meta`` of an mmengine checkpoint (epoch, iter...)."""
    import mmconvnext_lstm  # noqa: F401 (lets torch.load read it)
    return torch.load(path, map_location='cpu')['meta']


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
