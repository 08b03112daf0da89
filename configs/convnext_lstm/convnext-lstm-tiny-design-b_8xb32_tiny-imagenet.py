# Table 7, design B (New Block with two 1x1 convs) on Tiny ImageNet: the
# recipe of ConvNeXt-LSTM-T with the block switched as in
# ../_base_/models/convnext_lstm/convnext-lstm-tiny-design-b.py.
_base_ = ['./convnext-lstm-tiny_8xb32_tiny-imagenet.py']

model = dict(backbone=dict(block_cfg=dict(pointwise_depth=2)))
