# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The install paths of docs/install.md on every supported Python.

openmim's newest dependency chain downgrades setuptools to 60.2.0, which
crashes ``mim`` at start-up on Python 3.12 and is too old for torch
elsewhere; requirements/mim.txt pins the chain. The tests install it and
this package into a fresh virtual environment of each Python version (from
PyPI: about a minute each) and run mim there, and resolve
requirements/pinned.txt for it. torch is not installed: it is a multi-GB
download for any Python but the development one.
"""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from helpers import REPO_ROOT

pytestmark = pytest.mark.e2e

REQUIREMENTS = osp.join(REPO_ROOT, 'requirements')
TIMEOUT = 600
VERSIONS = ['3.10', '3.12']


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


def new_venv(version, folder):
    """A virtual environment of Python ``version`` without pip (this
    environment's pip installs into it: quicker than bootstrapping pip
    there); skip when there is no such Python. Returns its python."""
    python = find_python(version)
    if python is None:
        pytest.skip(f'no Python {version} on this machine (PATH or pyenv)')
    run([python, '-m', 'venv', '--without-pip', folder])
    return folder / 'bin' / 'python'


def pip(target, *args):
    return run([
        sys.executable, '-m', 'pip', '--python', target, *args,
        '--disable-pip-version-check'
    ])


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


@pytest.mark.parametrize('version', VERSIONS)
def test_mim_and_the_package_install_and_run(version, tmp_path):
    """The own-torch path: requirements/mim.txt, then ``pip install .``
    (mmcv, mmengine and mmpretrain left out: they need torch)."""
    venv = tmp_path / 'venv'
    target = new_venv(version, venv)
    pip(target, 'install', '-q', '-r', osp.join(REQUIREMENTS, 'mim.txt'))
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
    pip(target, 'check')

    # A copy: building the package writes its .mim folder into the source.
    source = tmp_path / 'source'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns('.*', 'work_dirs', '*.egg-info', 'build',
                                      '__pycache__'))
    pip(target, 'install', '-q', '--no-deps', '--no-build-isolation', source)
    site_packages = run([
        target, '-c', 'import sysconfig; print(sysconfig.get_paths()'
        '["purelib"])'
    ]).strip()
    assert osp.isfile(
        osp.join(site_packages, 'mmconvnext_lstm', '.mim', 'tools',
                 'train.py'))
    assert 'mmconvnext-lstm' in run([venv / 'bin' / 'mim', 'list'])


@pytest.mark.parametrize('version', VERSIONS)
def test_pinned_requirements_resolve(version, tmp_path):
    """scripts/setup.sh's stack has a release of every pin for ``version``
    (resolved from the packages' metadata, nothing downloaded)."""
    target = new_venv(version, tmp_path / 'venv')
    report = tmp_path / 'report.json'
    pip(target, 'install', '-q', '--dry-run', '--ignore-installed', '--report',
        report, '-r', osp.join(REQUIREMENTS, 'pinned.txt'))
    with open(report) as f:
        resolved = json.load(f)
    assert resolved['environment']['python_version'] == version
    versions = {
        item['metadata']['name'].lower(): item['metadata']['version']
        for item in resolved['install']
    }
    assert versions['torch'] == '2.14.1'
    assert versions['mmpretrain'] == '1.2.0'
    assert versions['opendatalab'] == '0.0.9'
    assert tuple(map(int, versions['numpy'].split('.')[:2])) < (2, 4)
