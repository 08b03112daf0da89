# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import numpy as np
import pytest
from PIL import Image

from mmconvnext_lstm.datasets import CheckedLoadImageFromFile


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
