# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import numpy as np
import pytest
from PIL import Image

from mmconvnext_lstm.datasets import CheckedLoadImageFromFile

pytestmark = pytest.mark.unit


def test_loads_like_load_image_from_file(tmp_path):
    path = str(tmp_path / 'gray.png')
    Image.new('L', (5, 4), 77).save(path)
    results = CheckedLoadImageFromFile()(dict(img_path=path))
    assert results['img'].shape == (4, 5, 3)
    assert np.all(results['img'] == 77)
    assert results['ori_shape'] == (4, 5)


@pytest.mark.parametrize('content', [b'', b'not an image', b'\xff\xd8\xff'])
def test_corrupt_image_error_names_the_file(tmp_path, content):
    path = tmp_path / 'broken.JPEG'
    path.write_bytes(content)
    with pytest.raises(OSError, match=f'Cannot decode image {path}'):
        CheckedLoadImageFromFile()(dict(img_path=str(path)))


def test_ignore_empty_still_skips(tmp_path):
    path = tmp_path / 'broken.JPEG'
    path.write_bytes(b'not an image')
    assert CheckedLoadImageFromFile(ignore_empty=True)(
        dict(img_path=str(path))) is None


def test_missing_file(tmp_path):
    path = str(tmp_path / 'missing.JPEG')
    with pytest.raises(FileNotFoundError, match='missing.JPEG'):
        CheckedLoadImageFromFile()(dict(img_path=path))


def test_loaded_image_passes_through():
    img = np.full((4, 5, 3), 9, dtype=np.uint8)
    results = CheckedLoadImageFromFile()(dict(img=img, ori_shape=(4, 5)))
    assert results['img'] is img


def test_mmpretrain_inferencer_with_a_checked_loading_pipeline(repo_root):
    # mmpretrain's inferencers strip only a plain LoadImageFromFile from the
    # test pipeline and hand the rest an image they loaded themselves.
    from mmpretrain.apis import ImageClassificationInferencer
    config = (f'{repo_root}/configs/convnext_lstm/'
              'convnext-lstm-tiny_1xb128_cifar10-jpg.py')
    inferencer = ImageClassificationInferencer(config)
    image = f'{repo_root}/demo/cifar10_demo/test/cat/0000.jpg'
    from_path = inferencer(image)[0]
    from_array = inferencer(np.asarray(Image.open(image))[..., ::-1])[0]
    assert 0 <= from_path['pred_label'] < 10
    assert from_path['pred_label'] == from_array['pred_label']
    np.testing.assert_allclose(
        from_path['pred_scores'], from_array['pred_scores'], rtol=1e-5)
