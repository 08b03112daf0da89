# Table 6, ConvNeXt-T/512, the baseline of the ablation: ConvNeXt-T with the
# paper's channels [64, 128, 320, 512].
_base_ = ['./convnext-tiny.py']

model = dict(
    backbone=dict(arch=dict(channels=[64, 128, 320, 512])),
    head=dict(in_channels=512))
