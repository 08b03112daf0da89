# CIFAR-100 with the same augmentation as CIFAR-10 (Table 3): RandomCrop 32
# with padding 4 and a horizontal flip; batch 128 on one GPU.
_base_ = ['./cifar10_bs128.py']

dataset_type = 'CIFAR100'
data_preprocessor = dict(
    num_classes=100,
    # RGB mean and std of the CIFAR-100 training set, on the 0-255 scale.
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418])

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root='data/cifar100'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root='data/cifar100'))
test_dataloader = val_dataloader
