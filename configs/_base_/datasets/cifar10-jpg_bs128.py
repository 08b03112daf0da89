# CIFAR-10 as a folder of JPEGs, one sub-folder per class in label order
# (airplane ... truck):
#   data/cifar10-jpg/{train,test}/<class>/<n>.jpg
# for copies of CIFAR-10 that are not the original python batches, which
# mmpretrain's CIFAR10 requires (it checks their md5). The augmentation is
# the paper's CIFAR one (cifar10_bs128.py), after decoding each file.
_base_ = ['./cifar10_bs128.py']

dataset_type = 'CustomDataset'
data_root = 'data/cifar10-jpg'
# The files are decoded to BGR; the mean and std are CIFAR-10's RGB ones.
data_preprocessor = dict(to_rgb=True)

train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'],
        data_prefix='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
