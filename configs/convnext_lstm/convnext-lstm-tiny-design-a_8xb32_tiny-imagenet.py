# Table 7, design A (New Block with an extra 7x7 branch) on Tiny ImageNet: the
# recipe of ConvNeXt-LSTM-T with the block switched as in
# ../_base_/models/convnext_lstm/convnext-lstm-tiny-design-a.py.
_base_ = ['./convnext-lstm-tiny_8xb32_tiny-imagenet.py']

model = dict(backbone=dict(block_cfg=dict(kernel_sizes=(3, 5, 7))))
