# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
from mmcv.transforms import LoadImageFromFile
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile``, naming the file of every image it cannot
    decode; ``ignore_empty=True`` also skips those. An image loaded already
    (``img`` without ``img_path``, from the inferencers) passes unchanged.

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
