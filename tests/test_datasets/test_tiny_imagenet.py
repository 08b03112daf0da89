# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os
import os.path as osp

import numpy as np
import pytest
from synthetic_datasets import make_tiny_imagenet

from mmconvnext_lstm.datasets import TinyImageNet
from mmconvnext_lstm.utils.errors import ConfigError

pytestmark = pytest.mark.unit

WNIDS = ('n01443537', 'n01629819', 'n01641577')
LOAD = [dict(type='CheckedLoadImageFromFile')]


@pytest.fixture
def root(tmp_path):
    return make_tiny_imagenet(str(tmp_path), wnids=WNIDS)


def test_classes_follow_wnids_with_names_from_words(root):
    dataset = TinyImageNet(root, split='train')
    assert dataset.metainfo['wnids'] == WNIDS
    assert dataset.CLASSES == tuple(f'name of {w}, synonym' for w in WNIDS)


def test_train_split_labels_by_folder(root):
    dataset = TinyImageNet(root, split='train', pipeline=LOAD)
    assert len(dataset) == 9
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        wnid = osp.basename(info['img_path']).split('_')[0]
        assert info['gt_label'] == WNIDS.index(wnid)
    # The image of class 2 has grey level 120 (make_tiny_imagenet).
    sample = dataset[8]
    assert sample['gt_label'] == 2
    assert abs(int(sample['img'].mean()) - 120) <= 2


def test_val_split_labels_from_annotations(root):
    dataset = TinyImageNet(root, split='val', pipeline=LOAD)
    assert len(dataset) == 6
    assert list(dataset.get_gt_labels()) == [0, 1, 2, 0, 1, 2]
    assert dataset.get_data_info(4)['img_path'] == osp.join(
        root, 'val', 'images', 'val_4.JPEG')


def test_grayscale_image_comes_out_with_three_channels(root):
    dataset = TinyImageNet(root, split='val', pipeline=LOAD)
    img = dataset[0]['img']  # val_0 is a mode-L JPEG
    assert img.shape == (16, 16, 3)
    assert np.array_equal(img[..., 0], img[..., 2])


def test_test_split_is_unlabelled(root):
    dataset = TinyImageNet(root, split='test', pipeline=LOAD)
    assert len(dataset) == 2
    assert 'gt_label' not in dataset.get_data_info(0)
    assert dataset[0]['img'].shape == (16, 16, 3)


def test_recipe_pipeline_reads_it(root):
    """The recipe's own train and test pipelines, at a small size."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(
            osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets',
            'tiny-imagenet_bs32_224.py'))
    train = cfg.train_dataloader.dataset
    train.pipeline[1].scale = 24
    dataset = TinyImageNet(root, split='train', pipeline=train.pipeline)
    assert tuple(dataset[0]['inputs'].shape) == (3, 24, 24)
    val = cfg.val_dataloader.dataset
    assert val.split == 'val'
    dataset = TinyImageNet(root, split='val', pipeline=val.pipeline)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 224, 224)
    assert sample['data_samples'].gt_label.tolist() == [0]


def test_unknown_split(root):
    with pytest.raises(ConfigError, match="'validation'"):
        TinyImageNet(root, split='validation')


def test_missing_root_names_the_path(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(ConfigError) as error:
        TinyImageNet(missing, split='train')
    assert missing in str(error.value)
    assert 'wnids.txt' in str(error.value)  # what was expected


@pytest.mark.parametrize('relative, split', [
    ('wnids.txt', 'train'),
    ('words.txt', 'train'),
    ('train/n01629819/images', 'train'),
    ('val/val_annotations.txt', 'val'),
    ('val/images', 'val'),
    ('val/images/val_3.JPEG', 'val'),
    ('test/images', 'test'),
])
def test_missing_part_of_the_layout_names_it(root, relative, split):
    path = osp.join(root, relative)
    if osp.isdir(path):
        import shutil
        shutil.rmtree(path)
    else:
        os.remove(path)
    with pytest.raises(ConfigError, match=path):
        TinyImageNet(root, split=split)


def test_empty_class_folder(root):
    folder = osp.join(root, 'train', WNIDS[1], 'images')
    for name in os.listdir(folder):
        os.remove(osp.join(folder, name))
    with pytest.raises(ConfigError, match=f'{folder} holds no image'):
        TinyImageNet(root, split='train')


def test_malformed_annotations_name_file_and_line(root):
    path = osp.join(root, 'val', 'val_annotations.txt')
    with open(path, 'a') as f:
        f.write('val_9.JPEG\tn99999999\t0\t0\t1\t1\n')
    with pytest.raises(ConfigError, match=f'line 7 of {path}'):
        TinyImageNet(root, split='val')


@pytest.mark.parametrize('name', ['../../../outside.JPEG', '/etc/hostname'])
def test_annotations_name_files_in_val_images_only(root, name):
    path = osp.join(root, 'val', 'val_annotations.txt')
    with open(path, 'a') as f:
        f.write(f'{name}\t{WNIDS[0]}\t0\t0\t1\t1\n')
    with pytest.raises(
            ConfigError,
            match=f'line 7 of {path} .* with a file name in val/images'):
        TinyImageNet(root, split='val')


def test_only_regular_files_are_images(root):
    folder = osp.join(root, 'train', WNIDS[0], 'images')
    os.mkfifo(osp.join(folder, f'{WNIDS[0]}_9.JPEG'))  # reading would block
    dataset = TinyImageNet(root, split='train')
    paths = [dataset.get_data_info(i)['img_path'] for i in range(9)]
    assert len(dataset) == 9 and not any('_9.JPEG' in p for p in paths)


def test_class_without_a_name(root):
    with open(osp.join(root, 'words.txt'), 'w') as f:
        f.write(f'{WNIDS[0]}\tgoldfish\n')
    with pytest.raises(ConfigError, match=f'e.g. {WNIDS[1]}'):
        TinyImageNet(root, split='train')


def test_malformed_wnids(root):
    with open(osp.join(root, 'wnids.txt'), 'w') as f:
        f.write('n01443537 goldfish\n')
    with pytest.raises(ConfigError, match='one WordNet id'):
        TinyImageNet(root, split='train')
