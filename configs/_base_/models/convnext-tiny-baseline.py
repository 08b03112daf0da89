# Tables 4 and 5, ConvNeXt-T: mmpretrain's ConvNeXt-T (channels
# [96, 192, 384, 768]), the paper's baseline, with this project's head.
_base_ = ['./convnext-tiny-512.py']

model = dict(backbone=dict(arch='tiny'), head=dict(in_channels=768))
