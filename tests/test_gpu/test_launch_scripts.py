# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""tools/dist_train.sh and tools/dist_test.sh run the interpreter they are
given ($PYTHON), else python3 or python from PATH: the GPU acceptance and
machines with only a python3 rely on it."""
import os
import os.path as osp
import subprocess

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.e2e

SCRIPTS = {
    'dist_train.sh': ['CONFIG', '1'],
    'dist_test.sh': ['CONFIG', 'CHECKPOINT', '1'],
}


def _fake_python(path):
    """An interpreter that only says how it was called."""
    path.write_text('#!/bin/sh\necho "$0 $*"\n')
    path.chmod(0o755)
    return str(path)


def _launch(script, env):
    return subprocess.run(
        ['bash',
         osp.join(REPO_ROOT, 'tools', script), *SCRIPTS[script]],
        env=env,
        capture_output=True,
        text=True,
        check=True).stdout


@pytest.mark.parametrize('script', SCRIPTS)
def test_python_from_the_environment(script, tmp_path):
    python = _fake_python(tmp_path / 'my-python')
    out = _launch(script, dict(os.environ, PYTHON=python))
    assert out.startswith(f'{python} -m torch.distributed.launch ')
    assert '--master_addr=127.0.0.1' in out


@pytest.mark.parametrize('script', SCRIPTS)
def test_the_first_python3_on_path_without_python_set(script, tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    python3 = _fake_python(bin_dir / 'python3')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHON'}
    # The fake python3 before the system's.
    env['PATH'] = os.pathsep.join([str(bin_dir), '/usr/bin', '/bin'])
    out = _launch(script, env)
    assert out.startswith(f'{python3} -m torch.distributed.launch ')
