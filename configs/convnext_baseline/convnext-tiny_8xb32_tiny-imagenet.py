# The paper's baseline, mmpretrain's ConvNeXt-T, on Tiny ImageNet with the
# paper's recipe (Table 3).
_base_ = [
    '../_base_/models/convnext/convnext-tiny.py',
    '../_base_/datasets/tiny-imagenet_bs32_224.py',
    '../_base_/schedules/tiny-imagenet_bs256_adamw.py',
    '../_base_/default_runtime.py',
]

# 200 classes; label smoothing 0.1 (Table 3).
model = dict(
    head=dict(
        num_classes=200,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
