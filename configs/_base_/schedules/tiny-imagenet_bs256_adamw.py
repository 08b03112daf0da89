# The paper's Tiny ImageNet schedule (Table 3): AdamW, lr 4e-3, weight decay
# 0.05, betas (0.9, 0.999), 300 epochs: 20 epochs of linear warm-up, then
# cosine decay; total batch 256 (8 GPUs x 32).
optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', lr=4e-3, weight_decay=0.05, eps=1e-8,
        betas=(0.9, 0.999)),
    # Not stated in the paper: as mmpretrain's ConvNeXt recipe, no weight
    # decay on norms, biases and layer-scale parameters (gamma).
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={'.gamma': dict(decay_mult=0.0)}),
)

param_scheduler = [
    # Warm-up from lr/1000, updated every iteration (not stated in the
    # paper; mmpretrain's ConvNeXt recipe).
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        end=20,
        convert_to_iter_based=True),
    # eta_min as mmpretrain's ConvNeXt recipe (not stated in the paper).
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=20),
]

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# The lr above is for a total batch of 256 (8 GPUs x 32); --auto-scale-lr
# scales it linearly to the batch actually used.
auto_scale_lr = dict(base_batch_size=256)
