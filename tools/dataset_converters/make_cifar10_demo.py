# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Cut the CIFAR-10 demo set (demo/cifar10_demo) out of the CIFAR-10 JPEG
archive: the first images of every class in file-name order, their bytes
copied unchanged, so the cut is reproducible from the same archive.

    python tools/dataset_converters/make_cifar10_demo.py cifar10-jpg.tar.gz
"""
import argparse
import os
import os.path as osp
import shutil
import tarfile
from collections import defaultdict

from mmpretrain.datasets.categories import CIFAR10_CATEGORIES


def parse_args():
    parser = argparse.ArgumentParser(
        description='Cut the embedded CIFAR-10 demo set (the first N images '
        'of every class) out of cifar10-jpg.tar.gz, whose layout is '
        'cifar10-jpg/{train,test}/<class>/NNNN.jpg.')
    parser.add_argument('archive', help='path of cifar10-jpg.tar.gz')
    parser.add_argument(
        '--out-dir', default='demo/cifar10_demo', help='output folder')
    parser.add_argument(
        '--train-per-class',
        type=int,
        default=300,
        help='training images per class')
    parser.add_argument(
        '--test-per-class',
        type=int,
        default=100,
        help='test images per class')
    return parser.parse_args()


def select_members(archive, per_class):
    """The first ``per_class[split]`` JPEGs of every class folder."""
    by_folder = defaultdict(list)
    for member in archive.getmembers():
        parts = member.name.split('/')
        if (member.isfile() and len(parts) == 4 and parts[1] in per_class
                and parts[3].endswith('.jpg')):
            by_folder[(parts[1], parts[2])].append(member)
    selected = []
    for split, count in per_class.items():
        for cls in CIFAR10_CATEGORIES:
            members = sorted(by_folder[(split, cls)], key=lambda m: m.name)
            if len(members) < count:
                raise SystemExit(
                    f'error: the archive has {len(members)} images in '
                    f'cifar10-jpg/{split}/{cls}, fewer than the {count} '
                    'asked for. Is it the full CIFAR-10 JPEG archive?')
            selected.extend(members[:count])
    return selected


def main():
    args = parse_args()
    per_class = {'train': args.train_per_class, 'test': args.test_per_class}
    with tarfile.open(args.archive, 'r:gz') as archive:
        members = select_members(archive, per_class)
        for split in per_class:
            shutil.rmtree(osp.join(args.out_dir, split), ignore_errors=True)
        for member in members:
            _, split, cls, name = member.name.split('/')
            folder = osp.join(args.out_dir, split, cls)
            os.makedirs(folder, exist_ok=True)
            with archive.extractfile(member) as src, open(
                    osp.join(folder, name), 'wb') as dst:
                shutil.copyfileobj(src, dst)
    print(f'Wrote {len(members)} images to {args.out_dir}')


if __name__ == '__main__':
    main()
