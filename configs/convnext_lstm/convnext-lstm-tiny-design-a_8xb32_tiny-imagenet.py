# Table 7, design A (New Block with an extra 7x7 branch) on Tiny ImageNet with
# the paper's recipe (paper: 70.02 top-1 on val).
_base_ = [
    '../_base_/models/convnext-lstm-tiny_design-a.py',
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
