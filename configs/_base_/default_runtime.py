# Runtime shared by every recipe of mmconvnext_lstm: mmpretrain's registries,
# one checkpoint per epoch, logs every 100 iterations.
default_scope = 'mmpretrain'
# The package's models and datasets are registered by the `custom_imports`
# of configs/_base_/models/convnext-lstm-tiny.py, which every model inherits,
# so that tools other than ours (mmpretrain's, through `mim`) find them.

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # `last_checkpoint` in the work dir always names the newest one, which is
    # what `--resume` (without a path) continues from.
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # On a machine without CUDA, tools/train.py switches this to 'gloo' by
    # itself (see mmconvnext_lstm.apis.adapt_to_device).
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
# "We keep the random seed at 3407 throughout" (section 4.3, stated for
# Tiny ImageNet; we keep it for every recipe). Not deterministic: cuDNN's
# fastest kernels are allowed, as in mmpretrain.
randomness = dict(seed=3407, deterministic=False)
