# Table 7, design A: the New Block with an added 7x7 branch (1x1 C -> C/2,
# then a grouped 7x7 conv C/2 -> C), so the concatenation is 5C wide.
_base_ = ['./convnext-lstm-tiny.py']

model = dict(backbone=dict(block_cfg=dict(kernel_sizes=(3, 5, 7))))
