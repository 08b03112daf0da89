# The ablation's baseline (Table 6, ConvNeXt-T/512: mmpretrain's ConvNeXt with
# the paper's channels [64, 128, 320, 512], no BiLSTM2D) trained exactly as
# the demo trains ConvNeXt-LSTM-T, to compare curves and Grad-CAMs with it.
_base_ = ['../convnext_lstm/convnext-lstm-tiny_1xb64_cifar10-demo.py']

# As ../_base_/models/convnext-tiny-512.py, without stochastic depth as in
# the demo.
model = dict(
    backbone=dict(
        _delete_=True,
        type='ConvNeXt',
        arch=dict(depths=[3, 3, 9, 3], channels=[64, 128, 320, 512]),
        drop_path_rate=0.,
        layer_scale_init_value=1e-6),
    neck=None)
