# The demo's schedule, sized for a run of a few minutes on a CPU (the paper's
# recipes need 200 epochs on 50,000 images): AdamW (adamw_convnext.py) with
# lr 2e-3, a one-epoch warm-up and cosine decay over 8 epochs.
_base_ = ['./adamw_convnext.py']

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
# gives a learning curve.
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
auto_scale_lr = dict(base_batch_size=64)
