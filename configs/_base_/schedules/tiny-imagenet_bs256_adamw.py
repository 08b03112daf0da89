# The paper's Tiny ImageNet schedule (Table 3): AdamW, lr 4e-3, weight decay
# 0.05, betas (0.9, 0.999), 300 epochs: 20 epochs of linear warm-up, then
# cosine decay; total batch 256 (8 GPUs x 32).
_base_ = ['./adamw_convnext.py']

optim_wrapper = dict(optimizer=dict(lr=4e-3))

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)

# The lr above is for a total batch of 256 (8 GPUs x 32); --auto-scale-lr
# scales it linearly to the batch actually used.
auto_scale_lr = dict(base_batch_size=256)
