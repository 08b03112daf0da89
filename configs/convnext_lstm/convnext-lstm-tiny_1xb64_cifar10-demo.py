# The README's first command (scripts/demo.sh): ConvNeXt-LSTM-T trained from
# scratch on the CIFAR-10 demo set embedded in the repository
# (demo/cifar10_demo: 3,000 training and 1,000 test images, 32x32 JPEGs, a
# folder per class), in a few minutes on a CPU. The paper's recipe needs 200
# epochs on 50,000 images; this one is sized for a short CPU run: AdamW with
# a one-epoch warm-up and cosine decay over 8 epochs, no stochastic depth.
_base_ = [
    '../_base_/models/convnext-lstm-tiny.py',
    '../_base_/datasets/cifar10-jpg_bs128.py',
    '../_base_/schedules/tiny-imagenet_bs256_adamw.py',
    '../_base_/default_runtime.py',
]

# Eight epochs are too few for stochastic depth to pay off.
model = dict(backbone=dict(drop_path_rate=0.))

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

max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-2,
        by_epoch=True,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True),
]
# Evaluating the 1,000 test images takes about a second: once per epoch
# gives a learning curve (tools/analysis_tools/plot_curves.py).
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
auto_scale_lr = dict(base_batch_size=64)

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
randomness = dict(seed=0)
