# The paper's baseline, mmpretrain's ConvNeXt-T, on CIFAR-100 with the
# paper's SGD recipe (Table 3).
_base_ = [
    '../_base_/models/convnext/convnext-tiny.py',
    '../_base_/datasets/cifar100_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=100))
