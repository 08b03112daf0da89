# Runtime shared by every recipe of mmconvnext_lstm: mmpretrain's registries,
# one checkpoint per epoch, logs every 100 iterations.
default_scope = 'mmpretrain'
# Registers the package's models, datasets and hooks, so that tools other than
# ours (mmpretrain's own tools/train.py, `mim train mmpretrain`) find them.
custom_imports = dict(imports=['mmconvnext_lstm'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook with atomic saves and a `.sha256` digest; it
    # also verifies the checkpoint a run loads or resumes before loading it.
    # `last_checkpoint` in the work dir always names the newest one, which is
    # what `--resume` (without a path) continues from.
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

# A config that sets its own custom_hooks must list these two as well.
custom_hooks = [
    # Fails early, saying what to set, when head.num_classes is smaller than
    # the dataset's number of classes.
    dict(type='MinClassNumCheckHook'),
    # On the CPU only: flushes denormal floats to zero (layer scale starts at
    # 1e-6, and denormal arithmetic is many times slower there).
    dict(type='FlushDenormalHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # Without CUDA, our tools/train.py switches a distributed run to 'gloo'.
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
