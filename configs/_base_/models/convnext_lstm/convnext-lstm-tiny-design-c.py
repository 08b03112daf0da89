# Table 7, design C: the New Block's 3x3 conv computed as a 1x3 conv followed
# by a 3x1 conv.
_base_ = ['./convnext-lstm-tiny.py']

model = dict(backbone=dict(block_cfg=dict(factorized_kernel_sizes=(3, ))))
