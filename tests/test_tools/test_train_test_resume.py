# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/train.py and tools/test.py on the CIFAR-10 recipe, through a user's
config outside the repository: train, kill mid-epoch, resume, test, start
a new run from the weights."""
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
from e2e_utils import (CIFAR_RECIPE, HERE, NUM_TRAIN, TIMEOUT, checkpoint_meta,
                       run, usage_error)
from helpers import needs_cpu_only
from mmpretrain.utils import load_json_log

pytestmark = pytest.mark.e2e

ITERS_PER_EPOCH = NUM_TRAIN // 2


def wait_for(path, process):
    deadline = time.time() + TIMEOUT
    while not osp.exists(path):
        if process.poll() is not None:
            pytest.fail(f'training ended (exit {process.returncode}) before '
                        f'reaching the pause point:\n{process.stdout.read()}')
        if time.time() > deadline:
            pytest.fail('training did not reach the pause point in time')
        time.sleep(0.5)


def test_train_kill_resume_test_load_from(user_experiment, repo_root,
                                          tmp_path):
    work_dir = tmp_path / 'work'
    marker = tmp_path / 'paused'
    # The same experiment, stopped after the 4th iteration of epoch 2.
    paused = user_experiment.parent / 'my_exp_paused.py'
    paused.write_text("_base_ = ['./my_exp.py']\n"
                      'custom_hooks = [dict(type="PauseAtIteration", epoch=1, '
                      f'batch_idx=3, marker="{marker}")]\n')
    env = dict(os.environ, PYTHONPATH=HERE)
    process = subprocess.Popen([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'),
        str(paused), '--work-dir',
        str(work_dir)
    ],
                               cwd=str(tmp_path),
                               env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               text=True,
                               start_new_session=True)
    try:
        wait_for(marker, process)
        assert marker.read_text() == f'1 {ITERS_PER_EPOCH + 4}'
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert (work_dir / 'epoch_1.pth').exists()
    assert not (work_dir / 'epoch_2.pth').exists()

    # --resume without a path continues from the work dir's last checkpoint:
    # epoch 2 restarts at its first iteration, the counters go on.
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), user_experiment,
        '--work-dir', work_dir, '--resume'
    ],
              cwd=tmp_path).stdout
    assert f'resumed epoch: 1, iter: {ITERS_PER_EPOCH}' in out
    assert re.search(rf'Epoch\(train\) +\[2\]\[1/{ITERS_PER_EPOCH}\]', out)
    assert not re.search(r'Epoch\(train\) +\[1\]', out)
    last = work_dir / 'epoch_3.pth'
    meta = checkpoint_meta(last)
    assert (meta['epoch'], meta['iter']) == (3, 3 * ITERS_PER_EPOCH)

    # The resumed run's log (the newest run folder) and its last evaluation.
    log = sorted(glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json')))
    last_val = load_json_log(log[-1])['val'][-1]
    assert last_val['step'] == 3

    metrics = tmp_path / 'metrics.json'
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), user_experiment, last,
        '--work-dir', work_dir, '--out', metrics, '--out-item', 'metrics'
    ],
              cwd=tmp_path).stdout
    assert f'Load checkpoint from {last}' in out
    # The test split is the validation split: the same accuracy again.
    assert json.loads(metrics.read_text())['accuracy/top1'] == pytest.approx(
        last_val['accuracy/top1'])

    # load_from starts a new run (counters at 0) from the weights; with
    # another head (12 outputs) a partial fit, which fine-tuning may load.
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), user_experiment,
        '--work-dir', tmp_path / 'finetune', '--no-validate', '--cfg-options',
        'train_cfg.max_epochs=1', f'load_from={last}',
        'model.head.num_classes=12'
    ],
              cwd=tmp_path).stdout
    assert f'Load checkpoint from {last}' in out
    assert re.search(
        r"load_from: only \d+\.\d% of the model's weights.*"
        r'shapes differ for 2 tensors \(head\.fc\.weight', out)
    assert 'resumed epoch' not in out
    meta = checkpoint_meta(tmp_path / 'finetune' / 'epoch_1.pth')
    assert (meta['epoch'], meta['iter']) == (1, ITERS_PER_EPOCH)


@needs_cpu_only
def test_amp_without_gpu_is_a_clear_error(user_experiment, repo_root,
                                          tmp_path):
    message = usage_error([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), user_experiment, '--amp'
    ], tmp_path)
    assert message.startswith('error: --amp needs a GPU')


def test_pytorch_launcher_outside_torchrun_is_a_clear_error(
        user_experiment, repo_root, tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
                        'LOCAL_RANK')
    }
    message = usage_error([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), user_experiment,
        tmp_path / 'epoch_1.pth', '--launcher', 'pytorch'
    ],
                          tmp_path,
                          env=env)
    assert message.startswith('error: --launcher pytorch runs one process '
                              'per device under torchrun')
    assert 'RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT is not set' in message
    assert 'bash tools/dist_train.sh CONFIG NUM_PROCS' in message


def test_cifar_recipe_without_data_or_network_says_where_data_goes(
        repo_root, tmp_path):
    # A proxy nobody listens on: the download fails as without network.
    proxy = 'http://127.0.0.1:9'
    offline = dict(http_proxy=proxy, https_proxy=proxy, no_proxy='')
    message = usage_error([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'),
        osp.join(repo_root, CIFAR_RECIPE), '--work-dir', tmp_path / 'work'
    ],
                          tmp_path,
                          env=offline)
    data = tmp_path / 'data' / 'cifar10' / 'cifar-10-batches-py'
    assert message.startswith('error: A dataset has no files on this machine '
                              'and downloading them failed')
    assert f'CIFAR10 needs data/cifar10/cifar-10-batches-py (resolved to ' \
        f'{data})' in message
