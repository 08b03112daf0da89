# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mmconvnext_lstm'
# What mim looks for under <package>/.mim: the training and test scripts,
# the configs and the model index.
MIM_FILES = ['configs', 'tools', 'model-index.yml']
# Folders of MIM_FILES that a wheel leaves out: tools/gpu checks a GPU
# machine from a checkout (docs/gpu.md); it is not a tool users run.
MIM_EXCLUDED = {'tools': ('gpu', )}


def read_version():
    scope = {}
    with open(osp.join(HERE, PACKAGE, 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def _ignore_in(root, names):
    """A ``shutil.copytree`` ignore that leaves out ``names`` of ``root``
    itself (not of its subfolders)."""
    return lambda folder, found: [
        n for n in found if folder == root and n in names
    ]


def add_mim_extension():
    """Put configs, tools and model-index.yml under ``<package>/.mim``.

    An editable install links them, so edits show up in mim at once; any
    other build copies them into the wheel.
    """
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py', 'install'} & set(
            sys.argv):
        mode = 'copy'
    else:
        return
    mim_root = osp.join(HERE, PACKAGE, '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_root, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(
                src, dst, ignore=_ignore_in(src, MIM_EXCLUDED.get(name, ())))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        long_description = f.read()
    setup(
        name=PACKAGE,
        version=read_version(),
        description='ConvNeXt-LSTM (ConvNeXt with multi-scale blocks and '
        'BiLSTM2D) for OpenMMLab mmpretrain',
        long_description=long_description,
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.8',
        packages=find_packages(
            exclude=('configs', 'tools', 'tests', 'demo', 'scripts')),
        include_package_data=True,
        package_data={PACKAGE: ['.mim/**/*', '.mim/*']},
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'deploy': read_requirements('deploy.txt'),
            'mim': read_requirements('mim.txt'),
            'tests': read_requirements('tests.txt'),
        },
        zip_safe=False,
    )
