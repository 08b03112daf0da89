# Table 7, design B (New Block with two 1x1 convs) on CIFAR-10 with the paper's
# SGD recipe.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny-design-b.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
