# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Tiny ImageNet read from its official ``tiny-imagenet-200`` folder."""
import os
import os.path as osp
from typing import Dict, List, NoReturn, Tuple

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

    Labels follow ``wnids.txt``, class names ``words.txt``; papers report
    accuracy on the labelled ``val`` split.

    Args:
        data_root (str): The ``tiny-imagenet-200`` folder.
        split (str): ``'train'``, ``'val'`` or ``'test'`` (unlabelled, for
            inference only). Defaults to ``'train'``.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``
            (``pipeline``, ``indices``, ``test_mode``...).
    """

    SPLITS = ('train', 'val', 'test')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            raise ConfigError(
                f'TinyImageNet split must be one of {self.SPLITS}, got '
                f'{split!r}.')
        self.split = split
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def _require(self, what: str, *parts: str, isdir: bool = False) -> str:
        """The path of ``parts`` under the data root, which must exist."""
        path = osp.join(self.data_root, *parts)
        if not (osp.isdir(path) if isdir else osp.isfile(path)):
            self._refuse(f'{what} {path} not found (data_root='
                         f'{self.data_root!r}, resolved to '
                         f'{osp.abspath(self.data_root)}). {EXPECTED_LAYOUT}')
        return path

    @staticmethod
    def _refuse(message: str) -> NoReturn:
        raise ConfigError(f'Tiny ImageNet: {message}')

    def _read_lines(self, name: str) -> List[str]:
        with open(
                self._require('the class list', name), encoding='utf-8') as f:
            return [line.strip() for line in f if line.strip()]

    def _read_classes(self) -> Tuple[List[str], List[str]]:
        """The class ids of ``wnids.txt`` and their names in ``words.txt``."""
        wnids = self._read_lines('wnids.txt')
        if not wnids or any(len(wnid.split()) != 1 for wnid in wnids):
            self._refuse(f'{osp.join(self.data_root, "wnids.txt")} must list '
                         'one WordNet id (e.g. n01443537) per line. '
                         f'{EXPECTED_LAYOUT}')
        names = dict(
            (wnid.strip(), name.strip())
            for wnid, _, name in (line.partition('\t')
                                  for line in self._read_lines('words.txt')))
        missing = [wnid for wnid in wnids if wnid not in names]
        if missing:
            self._refuse(f'{osp.join(self.data_root, "words.txt")} has no '
                         f'name for {len(missing)} class(es) of wnids.txt, '
                         f'e.g. {missing[0]}; each line must be '
                         '"<wnid>\\t<names>".')
        return wnids, [names[wnid] for wnid in wnids]

    def _list_images(self, what: str, *parts: str) -> List[str]:
        folder = self._require(what, *parts, isdir=True)
        images = sorted(  # regular files: reading a FIFO would not end
            path for path in (osp.join(folder, name)
                              for name in os.listdir(folder)
                              if name.lower().endswith(IMAGE_EXTENSIONS))
            if osp.isfile(path))
        if not images:
            self._refuse(f'{folder} holds no image '
                         f'({"/".join(IMAGE_EXTENSIONS)}). {EXPECTED_LAYOUT}')
        return images

    def _load_val(self, label_of: Dict[str, int]) -> List[dict]:
        annotations = self._require('the validation labels', 'val',
                                    'val_annotations.txt')
        self._require(
            'the validation images folder', 'val', 'images', isdir=True)
        data_list = []
        with open(annotations, encoding='utf-8') as f:
            for line_number, line in enumerate(f, 1):
                fields = [field.strip() for field in line.split('\t')]
                if not line.strip():
                    continue
                if len(fields) < 2 or fields[1] not in label_of or (
                        fields[0] != osp.basename(fields[0])
                        or fields[0] in ('', '.', '..')):
                    self._refuse(
                        f'line {line_number} of {annotations} is '
                        f'{line.strip()!r}; expected "<file>\\t<wnid>\\t<x0>'
                        '\\t<y0>\\t<x1>\\t<y1>" with a file name in '
                        'val/images and a wnid of wnids.txt.')
                where = f'the image on line {line_number} of {annotations},'
                data_list.append(
                    dict(
                        img_path=self._require(where, 'val', 'images',
                                               fields[0]),
                        gt_label=label_of[fields[1]]))
        return data_list

    def load_data_list(self) -> List[dict]:
        """Read the split's image paths and labels and set the classes."""
        self._require('the dataset folder', isdir=True)
        wnids, names = self._read_classes()
        # An explicit `classes`/`metainfo` from the config wins.
        self._metainfo.setdefault('classes', tuple(names))
        self._metainfo.setdefault('wnids', tuple(wnids))
        if self.split == 'val':
            return self._load_val({wnid: i for i, wnid in enumerate(wnids)})
        if self.split == 'test':
            return [
                dict(img_path=path) for path in self._list_images(
                    'the test images folder', 'test', 'images')
            ]
        return [
            dict(img_path=path, gt_label=label)
            for label, wnid in enumerate(wnids) for path in self._list_images(
                f'the training images of class {wnid}', 'train', wnid,
                'images')
        ]

    def extra_repr(self) -> List[str]:
        return [f'Split: \t{self.split}', f'Root: \t{self.data_root}']
