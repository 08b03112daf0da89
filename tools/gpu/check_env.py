# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Print, as one JSON line, the software the acceptance runs on, the direct
requirements of the carried packages (the OpenMMLab stack and this one)
that are not met, and, as warnings, those of the machine's torch and
torchvision.

Run by tools/gpu/acceptance.py as its first step, in a process of its own
(an import that fails here must not take the acceptance with it).
"""
import json
import os
import platform
import sys
from importlib import metadata

from packaging.requirements import Requirement

# The distributions the bundle carries: their requirements must be met.
CHECKED = ('mmengine', 'mmcv-lite', 'mmpretrain', 'mmconvnext_lstm')
# The machine's own: a requirement of theirs that is not met is a warning
# (their image was built and tested as it is).
WARNED = ('torch', 'torchvision')
# Distributions that provide the same modules as the one required by name:
# the GPU machine has opencv-python-headless, mmengine and mmcv-lite ask
# for opencv-python; both are `import cv2`.
PROVIDED_BY = {'opencv-python': ('opencv-python-headless', )}


def _installed(name):
    """The installed distribution that provides ``name`` and its version,
    or (None, None)."""
    for candidate in (name, ) + PROVIDED_BY.get(name, ()):
        try:
            return candidate, metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None, None


def unmet_requirements(names):
    """The direct requirements of ``names`` that are absent or of a version
    outside the required range, and ``names`` that are not installed.

    Only direct requirements: deeper ones are the business of the packages
    that state them (torch pins its CUDA libraries exactly, and a machine's
    image may carry other builds that work).

    Returns:
        list[str]: One line per problem, empty if all are met.
    """
    problems = []
    for name in names:
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            problems.append(f'{name} is not installed')
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(
                    dict(extra='')):
                continue
            installed, version = _installed(requirement.name)
            if installed is None:
                problems.append(f'{name} needs {requirement}: not installed')
            elif not requirement.specifier.contains(version, prereleases=True):
                problems.append(f'{name} needs {requirement}: {version} '
                                'installed')
    return problems


def main():
    import mmcv
    import mmengine
    import mmpretrain
    import numpy
    import torch

    import mmconvnext_lstm
    cuda = torch.cuda.is_available()
    info = dict(
        python=platform.python_version(),
        executable=sys.executable,
        torch=torch.__version__,
        torch_cuda=torch.version.cuda,
        cudnn=torch.backends.cudnn.version() if cuda else None,
        numpy=numpy.__version__,
        mmengine=mmengine.__version__,
        mmcv=mmcv.__version__,
        mmpretrain=mmpretrain.__version__,
        mmconvnext_lstm=mmconvnext_lstm.__version__,
        mmconvnext_lstm_path=mmconvnext_lstm.__file__,
        cuda_available=cuda,
        device=torch.cuda.get_device_name(0) if cuda else 'cpu',
        gpu_memory_bytes=(torch.cuda.get_device_properties(0).total_memory
                          if cuda else None),
        cpus=len(os.sched_getaffinity(0)),
        unmet_requirements=unmet_requirements(CHECKED),
        requirement_warnings=unmet_requirements(WARNED))
    print(json.dumps(info))


if __name__ == '__main__':
    main()
