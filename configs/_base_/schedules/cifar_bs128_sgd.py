# The paper's CIFAR-10/100 schedule (Table 3): SGD, lr 0.1, momentum 0.9,
# weight decay 1e-4, 200 epochs, lr x0.1 at epochs 100 and 150; batch 128.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))

param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[100, 150], gamma=0.1)

train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# The lr above is for a total batch of 128 (1 GPU x 128); --auto-scale-lr
# scales it linearly to the batch actually used.
auto_scale_lr = dict(base_batch_size=128)
