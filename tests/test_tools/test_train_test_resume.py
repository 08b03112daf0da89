# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/train.py and tools/test.py on the CIFAR-10 recipe, through a user's
config outside the repository: train, kill mid-epoch, resume, test, start
a new run from the weights."""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
from e2e_utils import HERE, NUM_TRAIN, TIMEOUT, checkpoint_meta, run
from helpers import needs_cpu_only

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
    # tools/train.py says where the checkpoint went and how to test it.
    assert f'the last one is {last}' in out
    assert f'python tools/test.py {user_experiment} {last}' in out

    metrics = tmp_path / 'metrics.json'
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), user_experiment, last,
        '--work-dir', work_dir, '--out', metrics, '--out-item', 'metrics'
    ],
              cwd=tmp_path).stdout
    assert f'Load checkpoint from {last}' in out
    accuracy = json.loads(metrics.read_text())['accuracy/top1']
    assert 0 <= accuracy <= 100

    # load_from starts a new run (counters at 0) from the weights.
    out = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), user_experiment,
        '--work-dir', tmp_path / 'finetune', '--no-validate', '--cfg-options',
        'train_cfg.max_epochs=1', f'load_from={last}'
    ],
              cwd=tmp_path).stdout
    assert f'Load checkpoint from {last}' in out
    assert 'resumed epoch' not in out
    meta = checkpoint_meta(tmp_path / 'finetune' / 'epoch_1.pth')
    assert (meta['epoch'], meta['iter']) == (1, ITERS_PER_EPOCH)


@needs_cpu_only
def test_amp_without_gpu_is_a_clear_error(user_experiment, repo_root,
                                          tmp_path):
    result = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), user_experiment, '--amp'
    ],
                 cwd=tmp_path,
                 check=False)
    assert result.returncode == 1
    assert 'error: --amp needs a GPU' in result.stdout
    assert 'Traceback' not in result.stdout


def test_truncated_checkpoint_is_a_clear_error(user_experiment, repo_root,
                                               tmp_path):
    truncated = tmp_path / 'epoch_9.pth'
    truncated.write_bytes(b'PK\x03\x04' + b'\0' * 100)
    result = run([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), user_experiment, truncated,
        '--work-dir', tmp_path
    ],
                 cwd=tmp_path,
                 check=False)
    assert result.returncode == 1
    assert f'error: Cannot read checkpoint {truncated}' in result.stdout
    assert 'Traceback' not in result.stdout
