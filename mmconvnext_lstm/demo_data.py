# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""The CIFAR-10 demo set embedded in the repository (``demo/cifar10_demo``).

It is cut from the CIFAR-10 JPEG archive (``cifar10-jpg.tar.gz``, layout
``cifar10-jpg/{train,test}/<class>/NNNN.jpg``) by taking, for every class,
the first images in file-name order. The JPEG bytes are copied unchanged, so
the cut is byte-for-byte reproducible from the same archive.
"""
import os
import os.path as osp
import shutil
import tarfile
from collections import defaultdict
from typing import Dict, List

DEMO_ROOT = 'demo/cifar10_demo'
CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')


def _select_members(archive: tarfile.TarFile,
                    per_class: Dict[str, int]) -> List[tarfile.TarInfo]:
    """Pick the first ``per_class[split]`` JPEGs of every class folder."""
    by_folder = defaultdict(list)
    for member in archive.getmembers():
        parts = member.name.split('/')
        # cifar10-jpg/<split>/<class>/<file>.jpg
        if (member.isfile() and len(parts) == 4 and parts[1] in per_class
                and parts[3].endswith('.jpg')):
            by_folder[(parts[1], parts[2])].append(member)
    selected = []
    for split, count in per_class.items():
        for cls in CIFAR10_CLASSES:
            members = sorted(
                by_folder.get((split, cls), []), key=lambda m: m.name)
            if len(members) < count:
                raise ValueError(
                    f'The archive has {len(members)} images in '
                    f'cifar10-jpg/{split}/{cls}, fewer than the {count} '
                    'the demo set needs. Is it the full CIFAR-10 JPEG '
                    'archive (cifar10-jpg.tar.gz)?')
            selected.extend(members[:count])
    return selected


def make_cifar10_demo(archive_path: str,
                      out_dir: str = DEMO_ROOT,
                      num_train_per_class: int = 300,
                      num_test_per_class: int = 100) -> Dict[str, int]:
    """Write the demo set, a balanced slice of CIFAR-10, into ``out_dir``.

    Args:
        archive_path (str): Path of ``cifar10-jpg.tar.gz``.
        out_dir (str): Where ``train/<class>/`` and ``test/<class>/`` go;
            existing ``train`` and ``test`` folders there are replaced.
            Defaults to ``'demo/cifar10_demo'``.
        num_train_per_class (int): Training images per class.
            Defaults to 300.
        num_test_per_class (int): Test images per class. Defaults to 100.

    Returns:
        Dict[str, int]: The number of images written per split.
    """
    if not osp.isfile(archive_path):
        raise FileNotFoundError(
            f'{archive_path} does not exist. Pass the path of the CIFAR-10 '
            'JPEG archive, cifar10-jpg.tar.gz.')
    per_class = {'train': num_train_per_class, 'test': num_test_per_class}
    try:
        archive = tarfile.open(archive_path, 'r:gz')
    except (tarfile.TarError, OSError) as e:
        raise ValueError(f'{archive_path} is not a readable .tar.gz archive '
                         f'({e}).') from e
    with archive:
        members = _select_members(archive, per_class)
        for split in per_class:
            shutil.rmtree(osp.join(out_dir, split), ignore_errors=True)
        counts = dict.fromkeys(per_class, 0)
        for member in members:
            _, split, cls, name = member.name.split('/')
            folder = osp.join(out_dir, split, cls)
            os.makedirs(folder, exist_ok=True)
            with archive.extractfile(member) as src, open(
                    osp.join(folder, name), 'wb') as dst:
                shutil.copyfileobj(src, dst)
            counts[split] += 1
    return counts
