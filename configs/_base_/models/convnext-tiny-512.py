# Table 6, ConvNeXt-T/512: mmpretrain's own ConvNeXt-T with the paper's
# channels [64, 128, 320, 512], the baseline of the ablation.
_base_ = ['./convnext-lstm-tiny.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='ConvNeXt',
        arch=dict(depths=[3, 3, 9, 3], channels=[64, 128, 320, 512]),
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6),
    neck=None)
