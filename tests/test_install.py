# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The install instructions' mim requirements on every supported Python.

openmim's newest dependency chain downgrades setuptools to 60.2.0, which
crashes ``mim`` at start-up on Python 3.12 and is too old for torch
elsewhere; requirements/mim.txt pins the chain. Each test installs it into a
fresh virtual environment of one Python version (from PyPI: about a minute)
and starts mim there. torch is not installed: it is a multi-GB download for
any Python but the development one.
"""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.e2e

MIM_REQUIREMENTS = osp.join(REPO_ROOT, 'requirements', 'mim.txt')
TIMEOUT = 600


def find_python(version: str):
    """An interpreter of ``version`` ('3.12'): on PATH, or one of pyenv's
    (PYENV_ROOT, by default ~/.pyenv); None when there is none."""
    pyenv_root = os.environ.get('PYENV_ROOT', osp.expanduser('~/.pyenv'))
    candidates = [f'python{version}'] + sorted(
        glob.glob(
            osp.join(pyenv_root, 'versions', f'{version}.*', 'bin',
                     f'python{version}')))
    for candidate in candidates:
        try:
            found = subprocess.run([
                candidate, '-c',
                'import sys; print("%d.%d" % sys.version_info[:2])'
            ],
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL,
                                   text=True,
                                   timeout=60).stdout.strip()
        except OSError:
            continue
        if found == version:
            return candidate
    return None


def run(cmd):
    result = subprocess.run([str(c) for c in cmd],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True,
                            timeout=TIMEOUT)
    assert result.returncode == 0, (
        f'{" ".join(map(str, cmd))} exited with {result.returncode}:\n'
        f'{result.stdout[-4000:]}')
    return result.stdout


@pytest.mark.parametrize('version', ['3.10', '3.12'])
def test_mim_requirements_give_a_working_mim(version, tmp_path):
    python = find_python(version)
    if python is None:
        pytest.skip(f'no Python {version} on this machine (PATH or pyenv)')
    venv = tmp_path / 'venv'
    # This environment's pip installs into the new one: quicker than
    # bootstrapping pip there.
    run([python, '-m', 'venv', '--without-pip', venv])
    target = venv / 'bin' / 'python'
    run([
        sys.executable, '-m', 'pip', '--python', target, 'install', '-q',
        '--disable-pip-version-check', '-r', MIM_REQUIREMENTS
    ])
    assert run([venv / 'bin' / 'mim',
                '--version']).strip().endswith('version 0.3.9')
    out = run([
        target, '-c', 'import mim, pkg_resources, setuptools, sys; '
        'print(sys.version_info[:2], setuptools.__version__)'
    ])
    major, minor = map(int, version.split('.'))
    assert f'({major}, {minor})' in out
    setuptools_major = int(out.split()[-1].split('.')[0])
    assert 77 <= setuptools_major < 81
    run([sys.executable, '-m', 'pip', '--python', target, 'check'])
