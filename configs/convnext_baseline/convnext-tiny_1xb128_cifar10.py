# The paper's baseline, mmpretrain's ConvNeXt-T, on CIFAR-10 with the
# paper's SGD recipe (Table 3).
_base_ = [
    '../_base_/models/convnext/convnext-tiny.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
