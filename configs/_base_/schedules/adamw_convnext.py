# AdamW as mmpretrain's ConvNeXt recipes train with it, shared by the AdamW
# schedules here; each sets its lr, length and batch. Not stated in the
# paper beyond AdamW, weight decay 0.05 and betas (0.9, 0.999) (Table 3):
# no weight decay on norms, biases and layer-scale parameters (gamma), and a
# linear warm-up from lr/1000 over 20 epochs (updated every iteration), then
# cosine decay to 1e-5.
optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={'.gamma': dict(decay_mult=0.0)}),
)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        end=20,
        convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=20),
]

val_cfg = dict()
test_cfg = dict()
