# Table 7, design C (New Block with 1x3 + 3x1 for 3x3) on Tiny ImageNet: the
# recipe of ConvNeXt-LSTM-T with the block switched as in
# ../_base_/models/convnext_lstm/convnext-lstm-tiny-design-c.py.
_base_ = ['./convnext-lstm-tiny_8xb32_tiny-imagenet.py']

model = dict(backbone=dict(block_cfg=dict(factorized_kernel_sizes=(3, ))))
