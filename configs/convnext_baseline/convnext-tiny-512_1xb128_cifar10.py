# Table 6, ConvNeXt-T/512 (ConvNeXt-T with the paper's channels
# [64, 128, 320, 512]), the ablation's baseline, on CIFAR-10 with the
# paper's SGD recipe.
_base_ = [
    '../_base_/models/convnext/convnext-tiny-512.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
