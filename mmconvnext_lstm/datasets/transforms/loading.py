# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from mmcv.transforms import LoadImageFromFile
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` whose decoding errors name the file.

    mmcv names the file when the decoder returns nothing, but passes the
    decoder's own error on unchanged for an empty file (OpenCV's
    ``!buf.empty()`` assertion) and for Pillow's errors, which leaves a
    corrupt image in a dataset of thousands without a name. Same arguments
    as ``LoadImageFromFile``; ``ignore_empty=True`` skips (returns None for)
    images that cannot be decoded too, not only files that cannot be read.

    An image that is loaded already (``img`` given, no ``img_path``) passes
    through unchanged: mmpretrain's inferencers load images themselves and
    remove only a plain ``LoadImageFromFile`` from a config's test pipeline.

    Raises:
        OSError: The image cannot be decoded; the message gives its path.
    """

    def transform(self, results: dict) -> dict:
        if 'img_path' not in results and 'img' in results:
            return results
        try:
            return super().transform(results)
        except FileNotFoundError:
            raise  # already names the missing file
        except Exception as error:
            if self.ignore_empty:
                return None
            raise OSError(
                f'Cannot decode image {results["img_path"]}: the file is '
                'empty, truncated or not an image '
                f'({type(error).__name__}: {error}). Replace it with a valid '
                'image or remove it from the dataset.') from error
