# CIFAR-10 as the paper trains it (Table 3): 32x32 input, RandomCrop 32 with
# padding 4 and a horizontal flip, nothing else; batch 128 on one GPU.
# mmpretrain's CIFAR10 downloads the original python batches into
# `data_root` when they are missing (needs internet) and checks their md5.
dataset_type = 'CIFAR10'
data_preprocessor = dict(
    num_classes=10,
    # RGB mean and std of the CIFAR-10 training set, on the 0-255 scale.
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    # CIFAR10 gives RGB arrays already.
    to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]

test_pipeline = [
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root='data/cifar10',
        split='train',
        download=True,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

# The test split, in order, through the test pipeline.
val_dataloader = dict(
    train_dataloader,
    dataset=dict(
        train_dataloader['dataset'], split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
