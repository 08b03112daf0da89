# Tiny ImageNet as the paper trains it (Table 3): 64x64 images upsampled by
# RandomResizedCrop to 224, flip 0.5, RandAugment rand-m9-mstd0.5, Mixup 0.2,
# RandomErasing 0.25; 32 images per GPU. Evaluated on the labelled val split
# (10,000 images), the split the paper reports.
# Read from the official tiny-imagenet-200 folder as unzipped (TinyImageNet
# dataset of mmconvnext_lstm, registered by default_runtime.py's
# custom_imports).
dataset_type = 'TinyImageNet'
data_root = 'data/tiny-imagenet-200'
data_preprocessor = dict(
    num_classes=200,
    # Not stated in the paper: ImageNet's RGB mean and std, as mmpretrain's
    # ImageNet recipes (Tiny ImageNet is a subset of ImageNet).
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    # images are loaded as BGR
    to_rgb=True,
    # Mixup with alpha 0.2 (Table 3, section 4.2), on whole batches.
    batch_augments=dict(augments=[dict(type='Mixup', alpha=0.2)]),
)

bgr_mean = data_preprocessor['mean'][::-1]
bgr_std = data_preprocessor['std'][::-1]

train_pipeline = [
    # Grayscale images come out with three channels (colour mode); a file
    # that cannot be decoded raises an error naming it.
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # timm's rand-m9-mstd0.5 (the "increasing" policy set, as mmpretrain's
    # ConvNeXt recipe).
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(
            pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=bgr_mean,
        fill_std=bgr_std),
    dict(type='PackInputs'),
]

# Not stated in the paper: mmpretrain's ImageNet evaluation (short edge to
# 256, centre crop 224), i.e. the 64x64 image upsampled by 4 with a 0.875
# centre crop.
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

# The labelled val split, in order, through the test pipeline.
val_dataloader = dict(
    train_dataloader,
    dataset=dict(
        train_dataloader['dataset'], split='val', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))

# Tiny ImageNet's test split has no labels: evaluate on val.
test_dataloader = val_dataloader
test_evaluator = val_evaluator
