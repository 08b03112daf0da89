# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Tiny ImageNet read from its official ``tiny-imagenet-200`` folder."""
import os
import os.path as osp
from typing import Dict, List

from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from mmconvnext_lstm.utils.errors import ConfigError

# What the error messages say the folder must hold.
EXPECTED_LAYOUT = (
    'Expected the official tiny-imagenet-200 layout (unzip '
    'http://cs231n.stanford.edu/tiny-imagenet-200.zip and set data_root to '
    'the tiny-imagenet-200 folder): wnids.txt, words.txt, '
    'train/<wnid>/images/*.JPEG, val/images/*.JPEG, val/val_annotations.txt'
    ' and, for the unlabelled test split, test/images/*.JPEG.')
IMAGE_EXTENSIONS = ('.jpeg', '.jpg', '.png')


@DATASETS.register_module()
class TinyImageNet(BaseDataset):
    """Tiny ImageNet (Le and Yang, CS231N 2015): 200 classes of 64x64 images,
    100,000 for training, 10,000 labelled for validation and 10,000
    unlabelled for testing.

    The official folder is read as it is unzipped; nothing to convert::

        tiny-imagenet-200
        ├── wnids.txt              the 200 class ids, in label order
        ├── words.txt              "<wnid>\\t<names>" for all WordNet ids
        ├── train/<wnid>/images/<wnid>_<i>.JPEG
        ├── val/images/val_<i>.JPEG
        ├── val/val_annotations.txt   "<file>\\t<wnid>\\t<box x0 y0 x1 y1>"
        └── test/images/test_<i>.JPEG  (no labels)

    Labels follow ``wnids.txt``; class names come from ``words.txt``. Papers
    report accuracy on the labelled ``val`` split. Some images are
    grayscale: ``LoadImageFromFile`` (colour mode by default) returns them
    with three channels like the others.

    Args:
        data_root (str): The ``tiny-imagenet-200`` folder.
        split (str): ``'train'``, ``'val'`` or ``'test'`` (unlabelled, for
            inference only). Defaults to ``'train'``.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``
            (``pipeline``, ``indices``, ``test_mode``...).

    Raises:
        ConfigError: ``split`` is unknown, a file or folder of the layout is
            missing, or a listing file is malformed.
    """

    SPLITS = ('train', 'val', 'test')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            raise ConfigError(
                f'TinyImageNet split must be one of {self.SPLITS}, got '
                f'{split!r}.')
        self.split = split
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _path(self, *parts: str) -> str:
        return osp.join(self.data_root, *parts)

    def _require(self, path: str, what: str, isdir: bool = False) -> None:
        """Raise a ConfigError naming ``path`` if it is missing."""
        if not (osp.isdir(path) if isdir else osp.isfile(path)):
            raise ConfigError(
                f'Tiny ImageNet: {what} {path} not found (data_root='
                f'{self.data_root!r}, resolved to '
                f'{osp.abspath(self.data_root)}). {EXPECTED_LAYOUT}')

    def _read_lines(self, name: str) -> List[str]:
        path = self._path(name)
        self._require(path, f'the class list {name}')
        with open(path, encoding='utf-8') as f:
            return [line.rstrip('\n') for line in f if line.strip()]

    def _read_wnids(self) -> List[str]:
        wnids = [line.strip() for line in self._read_lines('wnids.txt')]
        if not wnids or any(len(wnid.split()) != 1 for wnid in wnids):
            raise ConfigError(
                f'Tiny ImageNet: {self._path("wnids.txt")} must list one '
                f'WordNet id (e.g. n01443537) per line. {EXPECTED_LAYOUT}')
        return wnids

    def _read_class_names(self, wnids: List[str]) -> List[str]:
        names: Dict[str, str] = {}
        for line in self._read_lines('words.txt'):
            wnid, _, name = line.partition('\t')
            names[wnid.strip()] = name.strip()
        missing = [wnid for wnid in wnids if wnid not in names]
        if missing:
            raise ConfigError(
                f'Tiny ImageNet: {self._path("words.txt")} has no name for '
                f'{len(missing)} class(es) of wnids.txt, e.g. {missing[0]}; '
                'each line must be "<wnid>\\t<names>".')
        return [names[wnid] for wnid in wnids]

    @staticmethod
    def _list_images(folder: str) -> List[str]:
        return sorted(
            name for name in os.listdir(folder)
            if name.lower().endswith(IMAGE_EXTENSIONS))

    def _load_train(self, wnids: List[str]) -> List[dict]:
        data_list = []
        for label, wnid in enumerate(wnids):
            folder = self._path('train', wnid, 'images')
            self._require(
                folder, f'the training images of class {wnid}', isdir=True)
            images = self._list_images(folder)
            if not images:
                raise ConfigError(
                    f'Tiny ImageNet: {folder} holds no image '
                    f'({"/".join(IMAGE_EXTENSIONS)}). {EXPECTED_LAYOUT}')
            data_list += [
                dict(img_path=osp.join(folder, name), gt_label=label)
                for name in images
            ]
        return data_list

    def _load_val(self, wnids: List[str]) -> List[dict]:
        annotations = self._path('val', 'val_annotations.txt')
        self._require(annotations, 'the validation labels')
        folder = self._path('val', 'images')
        self._require(folder, 'the validation images folder', isdir=True)
        label_of = {wnid: label for label, wnid in enumerate(wnids)}
        data_list = []
        with open(annotations, encoding='utf-8') as f:
            for line_number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                fields = line.split('\t')
                if len(fields) < 2 or fields[1].strip() not in label_of:
                    raise ConfigError(
                        f'Tiny ImageNet: line {line_number} of {annotations} '
                        f'is {line.strip()!r}; expected "<file>\\t<wnid>'
                        '\\t<x0>\\t<y0>\\t<x1>\\t<y1>" with a wnid listed in '
                        'wnids.txt.')
                img_path = osp.join(folder, fields[0].strip())
                self._require(
                    img_path,
                    f'the image on line {line_number} of {annotations},')
                data_list.append(
                    dict(
                        img_path=img_path,
                        gt_label=label_of[fields[1].strip()]))
        return data_list

    def _load_test(self) -> List[dict]:
        folder = self._path('test', 'images')
        self._require(folder, 'the test images folder', isdir=True)
        return [
            dict(img_path=osp.join(folder, name))
            for name in self._list_images(folder)
        ]

    def load_data_list(self) -> List[dict]:
        """Read the split's image paths and labels and set the classes."""
        self._require(self.data_root, 'the dataset folder', isdir=True)
        wnids = self._read_wnids()
        # An explicit `classes`/`metainfo` from the config wins.
        self._metainfo.setdefault('classes',
                                  tuple(self._read_class_names(wnids)))
        self._metainfo.setdefault('wnids', tuple(wnids))
        if self.split == 'train':
            return self._load_train(wnids)
        if self.split == 'val':
            return self._load_val(wnids)
        return self._load_test()

    def extra_repr(self) -> List[str]:
        return [f'Split: \t{self.split}', f'Root: \t{self.data_root}']
