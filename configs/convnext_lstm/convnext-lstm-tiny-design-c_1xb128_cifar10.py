# Table 7, design C (New Block with 1x3 + 3x1 for 3x3) on CIFAR-10 with the
# paper's SGD recipe.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny-design-c.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
