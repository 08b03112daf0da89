# ConvNeXt-LSTM-T on CIFAR-10 with the paper's SGD recipe (Table 3): 1 GPU x
# 128, SGD lr 0.1, 200 epochs, trained at 32x32 from scratch.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/cifar_bs128_sgd.py',
    '../_base_/default_runtime.py',
]
