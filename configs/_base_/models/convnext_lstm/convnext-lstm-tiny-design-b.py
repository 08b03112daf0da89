# Table 7, design B ("two 1x1 convs"), as we read it: the pointwise branch
# becomes two 1x1 convs, C -> C/2 -> C, instead of one C -> C.
_base_ = ['./convnext-lstm-tiny.py']

model = dict(backbone=dict(block_cfg=dict(pointwise_depth=2)))
