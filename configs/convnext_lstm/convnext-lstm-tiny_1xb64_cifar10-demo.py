# The README's first command (scripts/demo.sh): ConvNeXt-LSTM-T trained from
# scratch on the CIFAR-10 demo set embedded in the repository, in a few
# minutes on a CPU.
_base_ = [
    '../_base_/models/convnext_lstm/convnext-lstm-tiny.py',
    '../_base_/datasets/cifar10-demo_bs64.py',
    '../_base_/schedules/cifar10-demo_bs64_adamw.py',
    '../_base_/demo_runtime.py',
]

# Eight epochs are too few for stochastic depth to pay off.
model = dict(backbone=dict(drop_path_rate=0.))
