# The CIFAR-10 demo set embedded in the repository (demo/cifar10_demo: 3,000
# training and 1,000 test images, 32x32 JPEGs, a folder per class), read as
# the CIFAR-10 JPEG folder (cifar10-jpg_bs128.py), 64 images per batch.
_base_ = ['./cifar10-jpg_bs128.py']

data_root = 'demo/cifar10_demo'
# The demo images are 32x32 already; resizing lets the inferencer and the
# picture tools take images of any size.
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='ResizeEdge', scale=32, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs'),
]
# One loader process: decoding 32x32 JPEGs is cheap, and on a 2-core
# machine more processes only take CPU time from the model.
train_dataloader = dict(
    batch_size=64, num_workers=1, dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=100,
    num_workers=1,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
