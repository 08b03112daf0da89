# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoints users can trust, in subprocesses: crafted files misbehave
where nothing checks them and are refused by every loader and tool, a
killed or disk-full run keeps a checkpoint to resume from, damaged files
and other models' checkpoints are refused with a message that names them."""
import glob
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import mmengine.runner.checkpoint
import pytest
import torch
from crafted_checkpoints import (ATTACKS, getattr_chain, write_archive,
                                 write_attack)
from e2e_utils import BIN, HERE, run
from mmengine.config import Config
from mmpretrain.registry import MODELS

pytestmark = pytest.mark.e2e

# The user's experiment (tests/test_tools/conftest.py) with this package's
# checkpoint hooks, until configs/_base_/default_runtime.py lists them.
SAFE_EXP = """\
_base_ = ['./my_exp.py']
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook', interval=1,
                    max_keep_ckpts=1))
custom_hooks = [
    dict(type='MinClassNumCheckHook'),
    dict(type='FlushDenormalHook')
]
"""
# Also a best checkpoint and EMA weights: every kind of file the tools write.
ALL_KINDS_EXP = """\
_base_ = ['./safe_exp.py']
train_cfg = dict(max_epochs=2)
default_hooks = dict(checkpoint=dict(save_best='auto'))
custom_hooks = [
    dict(type='MinClassNumCheckHook'),
    dict(type='FlushDenormalHook'),
    dict(type='EMAHook', momentum=0.5)
]
"""
# mmpretrain's ConvNeXt (the baseline of Table 6), as small as my_exp.
OTHER_MODEL_EXP = """\
_base_ = ['./my_exp.py']
model = dict(
    backbone=dict(_delete_=True, type='ConvNeXt',
                  arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64])),
    neck=None)
"""
MMPRETRAIN_TEST = osp.join(
    osp.dirname(__import__('mmpretrain').__file__), '.mim', 'tools', 'test.py')


@pytest.fixture(scope='module')
def configs(user_experiment):
    folder = user_experiment.parent
    for name, text in [('safe_exp.py', SAFE_EXP),
                       ('all_kinds_exp.py', ALL_KINDS_EXP),
                       ('other_model_exp.py', OTHER_MODEL_EXP)]:
        (folder / name).write_text(text)
    return folder


def train(repo_root, config, work_dir, *args, check=True, kill_at=()):
    """tools/train.py, optionally through kill_at.py."""
    prefix = [osp.join(HERE, 'kill_at.py'), *kill_at] if kill_at else []
    return run([
        sys.executable, *prefix,
        osp.join(repo_root, 'tools', 'train.py'), config, '--work-dir',
        work_dir, *args
    ],
               cwd=work_dir.parent,
               check=check)


def tool_test(tool, config, checkpoint, work_dir):
    return run(
        [sys.executable, tool, config, checkpoint, '--work-dir', work_dir],
        cwd=work_dir.parent,
        check=False)


def digest_ok(path):
    with open(f'{path}.sha256') as f:
        recorded = f.read().split()[0]
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest() == recorded


def checkpoint_files(work_dir):
    return sorted(
        f for f in os.listdir(work_dir) if '.pth' in f or '.partial' in f)


@pytest.fixture(scope='module')
def all_kinds_run(configs, repo_root, tmp_path_factory):
    """A 2-epoch run writing epoch, best and EMA checkpoints."""
    work_dir = tmp_path_factory.mktemp('all_kinds') / 'work'
    work_dir.mkdir()
    train(repo_root, configs / 'all_kinds_exp.py', work_dir)
    return work_dir


def test_every_kind_of_checkpoint_loads(all_kinds_run, configs, repo_root):
    work_dir = all_kinds_run
    files = checkpoint_files(work_dir)
    best = [f for f in files if f.startswith('best_') and f.endswith('.pth')]
    assert len(best) == 1 and 'epoch_2.pth' in files, files
    # A fresh interpreter, weights-only by default, as any loader does.
    code = ('import sys, torch, mmconvnext_lstm\n'
            'for path in sys.argv[1:]:\n'
            '    ckpt = torch.load(path)\n'
            '    print(sorted(ckpt))\n')
    out = run([
        sys.executable, '-c', code, work_dir / 'epoch_2.pth',
        work_dir / best[0]
    ],
              cwd=work_dir).stdout.splitlines()
    # OneDL's mmpretrain prints "Could not import OneDL" first.
    out = [line for line in out if line.startswith('[')]
    assert out[0] == str(
        sorted([
            'ema_state_dict', 'message_hub', 'meta', 'optimizer',
            'param_schedulers', 'state_dict'
        ]))
    assert out[1] == str(
        sorted(['ema_state_dict', 'message_hub', 'meta', 'state_dict']))
    for name in ('epoch_2.pth', best[0]):
        result = tool_test(
            osp.join(repo_root, 'tools',
                     'test.py'), configs / 'all_kinds_exp.py', work_dir / name,
            work_dir.parent / 'test')
        assert result.returncode == 0, result.stdout[-3000:]
        assert f'Checkpoint {work_dir / name} fits the model' in result.stdout
    # sha256sum checks the records too.
    assert subprocess.run(['sha256sum', '-c', 'epoch_2.pth.sha256'],
                          cwd=work_dir).returncode == 0


@pytest.mark.parametrize('tool', ['ours', 'mmpretrain'])
def test_modified_checkpoint_is_refused(all_kinds_run, configs, repo_root,
                                        tmp_path, tool):
    good = all_kinds_run / 'epoch_2.pth'
    damaged = tmp_path / 'epoch_2.pth'
    shutil.copy(good, damaged)
    shutil.copy(f'{good}.sha256', f'{damaged}.sha256')
    with open(damaged, 'r+b') as f:
        # 1 KiB inside the last weight's data: still a readable archive.
        f.seek(osp.getsize(damaged) // 2)
        f.write(os.urandom(1024))
    script = (
        osp.join(repo_root, 'tools', 'test.py')
        if tool == 'ours' else MMPRETRAIN_TEST)
    result = tool_test(script, configs / 'safe_exp.py', damaged,
                       tmp_path / 'test')
    assert result.returncode != 0
    assert (f'Checkpoint {damaged} does not match the SHA-256 digest '
            f'recorded in {damaged}.sha256 when it was written: it was '
            'corrupted or modified since.') in result.stdout


def test_other_models_checkpoint_is_refused(configs, repo_root, tmp_path):
    import mmconvnext_lstm  # noqa: F401  registers our modules
    other = MODELS.build(Config.fromfile(configs / 'other_model_exp.py').model)
    checkpoint = tmp_path / 'convnext_baseline.pth'
    torch.save(dict(state_dict=other.state_dict()), checkpoint)
    result = tool_test(
        osp.join(repo_root, 'tools', 'test.py'), configs / 'safe_exp.py',
        checkpoint, tmp_path / 'test')
    assert result.returncode != 0
    assert (f'Checkpoint {checkpoint} does not fit the model of this '
            'config: ') in result.stdout
    assert 'It is most likely another model\'s checkpoint' in result.stdout
    assert 'Evaluating' not in result.stdout and 'accuracy/top1' not in \
        result.stdout


@pytest.mark.parametrize('start', ['__init__', 'min'])
def test_getattr_chain_runs_where_getattr_is_allowed(tmp_path, start):
    marker = tmp_path / 'code_ran'
    crafted = write_archive(tmp_path / 'crafted.pth',
                            getattr_chain(str(marker), start))
    vulnerable = ('import sys, torch, builtins\n'
                  'from mmengine.logging import HistoryBuffer\n'
                  'torch.serialization.add_safe_globals('
                  '[HistoryBuffer, builtins.getattr])\n'
                  'try:\n    torch.load(sys.argv[1])\n'
                  'except Exception:\n    pass\n')
    run([sys.executable, '-c', vulnerable, crafted], cwd=tmp_path)
    assert marker.read_text() == 'code ran'


@pytest.mark.skipif(
    not hasattr(mmengine.runner.checkpoint, '_safe_torch_load'),
    reason="OneDL's mmengine falls back to weights_only=False; "
    "OpenMMLab's does not")
def test_onedl_mmengine_alone_runs_any_payload(tmp_path):
    path = write_attack('os_system', tmp_path)
    code = ('import sys, torch\n'
            'from mmengine.runner import load_checkpoint\n'
            'load_checkpoint(torch.nn.Linear(1, 1), sys.argv[1])\n')
    run([sys.executable, '-c', code, path], cwd=tmp_path, check=False)
    assert (tmp_path / 'code_ran').exists()


def test_unchecked_history_buffer_state_changes_the_process(tmp_path):
    path = write_attack('poisoned_history_buffer', tmp_path)
    code = ('import sys, torch\n'
            'from mmengine.logging import HistoryBuffer\n'
            'torch.load(sys.argv[1], weights_only=False)\n'
            'print(HistoryBuffer([1, 2, 3], [1, 1, 1]).statistics("mean"))\n')
    out = run([sys.executable, '-c', code, path], cwd=tmp_path).stdout
    assert out.split()[-1] == '1'  # the minimum


def test_unscanned_forged_dtype_reads_file_bytes_as_objects(tmp_path):
    """Inside a real checkpoint's runtime info, the forged float64 dtype
    passes torch's allow-list; numpy then takes 8 bytes of the file for an
    object pointer (copying the checkpoint crashes or corrupts memory)."""
    path = write_attack('forged_dtype_in_runtime_info', tmp_path)
    code = ('import sys, torch, mmconvnext_lstm\n'
            'x = torch.load(sys.argv[1])["message_hub"]["runtime_info"]["x"]\n'
            'print("FIELDS", x.dtype.names, x.dtype.hasobject, flush=True)\n')
    out = run([sys.executable, '-c', code, path], cwd=tmp_path,
              check=False).stdout
    assert "FIELDS ('a',) True" in out, out


# 1 GiB of address space above what the interpreter holds.
LIMIT_ADDRESS_SPACE = """\
import resource, sys, torch, mmconvnext_lstm
with open('/proc/self/status') as f:
    size = [int(line.split()[1]) * 1024 for line in f
            if line.startswith('VmSize')][0]
resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, resource.RLIM_INFINITY))
"""


def test_huge_bytearray_allocates_what_the_file_says(tmp_path):
    path = write_attack('huge_bytearray', tmp_path)
    code = (
        LIMIT_ADDRESS_SPACE + 'try:\n    torch.load(sys.argv[1])\n'
        'except MemoryError:\n    print("MemoryError")\n')
    out = run([sys.executable, '-c', code, path], cwd=tmp_path).stdout
    assert out.split()[-1] == 'MemoryError'


def assert_hangs(code, path, after):
    """Run ``code`` on ``path``: it prints ``after``, then does not end."""
    with subprocess.Popen([sys.executable, '-c', code, path],
                          stdout=subprocess.PIPE,
                          text=True) as child:
        try:
            # Up to that line (OneDL's mmpretrain prints a line first).
            assert f'{after}\n' in iter(child.stdout.readline, '')
            with pytest.raises(subprocess.TimeoutExpired):
                child.wait(timeout=10)
        finally:
            child.kill()


def test_tuple_bomb_hangs_an_unscanned_load(tmp_path):
    code = ('import sys, torch, mmconvnext_lstm\n'
            'print("loading", flush=True)\n'
            'torch.load(sys.argv[1])\n'
            'print("loaded", flush=True)\n')
    assert_hangs(code, write_attack('tuple_bomb', tmp_path), 'loading')


def test_unscanned_shared_tuples_hang_printing(tmp_path):
    code = ('import sys, torch, mmconvnext_lstm\n'
            'shared = torch.load(sys.argv[1])["a"]\n'
            'print("loaded", flush=True)\n'
            'print(str(shared)[:10], flush=True)\n')
    assert_hangs(code, write_attack('shared_tuples', tmp_path), 'loaded')


def test_unscanned_expanded_tensor_allocates_what_the_file_says(tmp_path):
    path = write_attack('expanded_tensor', tmp_path)
    code = (
        LIMIT_ADDRESS_SPACE +
        'weights = torch.load(sys.argv[1])["state_dict"]\n'
        'print("loaded", weights["a"].shape, flush=True)\n'
        'try:\n    weights["a"].contiguous()\n'
        'except RuntimeError as error:\n    print(error)\n')
    out = run([sys.executable, '-c', code, path], cwd=tmp_path).stdout
    assert 'loaded torch.Size([100000, 100000])' in out, out
    assert 'you tried to allocate 40000000000 bytes' in out, out


# Every loader of mmengine and mmpretrain, in one process.
LOADERS = """\
import sys, torch, mmconvnext_lstm
from mmengine.runner import load_checkpoint
from mmpretrain import FeatureExtractor, ImageClassificationInferencer
from mmpretrain import get_model
config = sys.argv[1]
loaders = dict(
    load_checkpoint=lambda path: load_checkpoint(torch.nn.Linear(1, 1), path),
    get_model=lambda path: get_model(config, pretrained=path),
    inferencer=lambda path: ImageClassificationInferencer(
        config, pretrained=path),
    feature_extractor=lambda path: FeatureExtractor(config, pretrained=path))
for path in sys.argv[2:]:
    for name, load in loaders.items():
        try:
            load(path)
            print('LOADED', name, path)
        except Exception as error:
            print(type(error).__name__, name, str(error).splitlines()[0])
"""


def test_every_loader_refuses_crafted_files(configs, tmp_path):
    paths = [write_attack(name, tmp_path) for name in ATTACKS]
    out = run([sys.executable, '-c', LOADERS, configs / 'safe_exp.py', *paths],
              cwd=tmp_path).stdout
    for name, path in zip(ATTACKS, paths):
        for loader in ('load_checkpoint', 'get_model', 'inferencer',
                       'feature_extractor'):
            assert (f'CheckpointError {loader} Refused to load checkpoint '
                    f'{path}: its pickle holds {ATTACKS[name][1]}') in out, out
    assert 'LOADED' not in out
    assert not (tmp_path / 'code_ran').exists()


@pytest.mark.parametrize('attack', ['getattr_chain', 'forged_dtype'])
def test_tools_refuse_crafted_files(configs, repo_root, tmp_path, attack):
    path = write_attack(attack, tmp_path)
    commands = [[sys.executable, script, configs / 'safe_exp.py', path]
                for script in (osp.join(repo_root, 'tools', 'test.py'),
                               MMPRETRAIN_TEST)]
    if osp.exists(osp.join(BIN, 'mim')):  # openmim is not on OneDL's stack
        commands.append([
            osp.join(BIN, 'mim'), 'test', 'mmconvnext_lstm',
            configs / 'safe_exp.py', '--checkpoint', path
        ])
    for command in commands:
        result = run([*command, '--work-dir', tmp_path / 'test'],
                     cwd=tmp_path,
                     check=False)
        assert result.returncode != 0
        assert (
            f'Refused to load checkpoint {path}: its pickle holds '
            f'{ATTACKS[attack][1]}') in result.stdout, result.stdout[-3000:]
    assert not (tmp_path / 'code_ran').exists()


def test_bit_flips_without_sidecar_are_refused(all_kinds_run, configs,
                                               repo_root, tmp_path):
    copied = tmp_path / 'epoch_2.pth'  # without its sidecar, as users copy
    shutil.copy(all_kinds_run / 'epoch_2.pth', copied)
    import mmconvnext_lstm  # noqa: F401  lets torch.load read it
    weights = torch.load(copied)['state_dict']
    largest = max(weights.values(), key=torch.Tensor.numel)
    data = bytearray(copied.read_bytes())
    assert data.count(largest.numpy().tobytes()) == 1
    start = data.index(largest.numpy().tobytes())
    for bit in range(20):
        data[start + 7 * bit] ^= 1 << (bit % 8)
    copied.write_bytes(data)
    result = tool_test(
        osp.join(repo_root, 'tools', 'test.py'), configs / 'safe_exp.py',
        copied, tmp_path / 'test')
    assert result.returncode == 1
    assert (f'error: Checkpoint {copied} does not match the SHA-256 digest '
            'recorded in its meta') in result.stdout
    assert 'accuracy/top1' not in result.stdout


def test_import_adds_only_the_declared_globals(tmp_path):
    code = ('import torch\n'
            'def names():\n'
            '    return {e[1] if isinstance(e, tuple) else\n'
            '            f"{e.__module__}.{e.__qualname__}"\n'
            '            for e in torch.serialization.get_safe_globals()}\n'
            'before = names()\n'
            'import builtins, mmconvnext_lstm\n'
            'from mmconvnext_lstm.utils import checkpoint_safe_globals\n'
            'declared = {e[1] if isinstance(e, tuple) else\n'
            '            f"{e.__module__}.{e.__qualname__}"\n'
            '            for e in checkpoint_safe_globals()}\n'
            '# torch registers its own types (DTensor...) as the imports\n'
            '# load its submodules: those are torch\'s decisions.\n'
            'added = {n for n in names() - before\n'
            '         if not n.startswith("torch.")}\n'
            'assert added == declared, added ^ declared\n'
            'assert builtins.getattr not in\\\n'
            '    torch.serialization.get_safe_globals()\n'
            'print(len(declared))\n')
    assert run([sys.executable, '-c', code],
               cwd=tmp_path).stdout.split()[-1] == '20'


# Moments of epoch 2's save to kill the run at (os function, file name,
# which call), the epoch the resumed run starts from, and last_checkpoint's
# target at the kill.
KILL_MOMENTS = {
    'while_writing': (('replace', 'epoch_2.pth', '1'), 1),
    'before_digest': (('replace', 'epoch_2.pth.sha256', '1'), 1),
    'before_last_checkpoint': (('replace', 'last_checkpoint', '2'), 1),
    'before_pruning': (('remove', 'epoch_1.pth', '1'), 2),
}


@pytest.mark.parametrize('moment', KILL_MOMENTS)
def test_killed_while_saving_then_resume(configs, repo_root, tmp_path, moment):
    kill_at, resumed_epoch = KILL_MOMENTS[moment]
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    killed = train(
        repo_root,
        configs / 'safe_exp.py',
        work_dir,
        check=False,
        kill_at=kill_at)
    assert killed.returncode == -9, killed.stdout[-3000:]
    with open(work_dir / 'last_checkpoint') as f:
        last = f.read()
    assert last == str(work_dir / f'epoch_{resumed_epoch}.pth')
    assert digest_ok(last)

    resumed = train(repo_root, configs / 'safe_exp.py', work_dir,
                    '--resume').stdout
    assert f'resumed epoch: {resumed_epoch},' in resumed
    assert checkpoint_files(work_dir) == ['epoch_3.pth', 'epoch_3.pth.sha256']
    assert digest_ok(work_dir / 'epoch_3.pth')


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs mounted at tmp_path/disk; skips where mount is refused."""
    disk = tmp_path / 'disk'
    disk.mkdir()
    mounted = subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs',
         str(disk)],
        capture_output=True,
        text=True)
    if mounted.returncode != 0:
        pytest.skip(f'cannot mount a tmpfs here: {mounted.stderr.strip()}')

    def resize(size):
        subprocess.run(['mount', '-o', f'remount,size={size}',
                        str(disk)],
                       check=True)

    yield disk, resize
    subprocess.run(['umount', str(disk)], check=True)


def test_full_disk_keeps_the_previous_checkpoint(configs, repo_root,
                                                 small_disk):
    disk, resize = small_disk
    work_dir = disk / 'work'
    work_dir.mkdir()
    train(repo_root, configs / 'safe_exp.py', work_dir, '--cfg-options',
          'train_cfg.max_epochs=1')
    epoch_1 = work_dir / 'epoch_1.pth'
    used = shutil.disk_usage(disk).used
    # Room for the logs, not for a second checkpoint.
    resize(used + osp.getsize(epoch_1) // 2)
    full = train(
        repo_root, configs / 'safe_exp.py', work_dir, '--resume', check=False)
    assert full.returncode != 0
    assert (f'Could not write checkpoint {work_dir / "epoch_2.pth"}: No '
            f'space left on device. The previous checkpoint {epoch_1} is '
            'intact and last_checkpoint still names it.') in full.stdout
    assert checkpoint_files(work_dir) == ['epoch_1.pth', 'epoch_1.pth.sha256']
    assert digest_ok(epoch_1)

    resize('64m')  # space freed
    resumed = train(repo_root, configs / 'safe_exp.py', work_dir,
                    '--resume').stdout
    assert 'resumed epoch: 1,' in resumed
    assert checkpoint_files(work_dir) == ['epoch_3.pth', 'epoch_3.pth.sha256']


def test_too_few_classes_stop_before_training(configs, repo_root, tmp_path):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    result = train(
        repo_root,
        configs / 'safe_exp.py',
        work_dir,
        '--cfg-options',
        'model.head.num_classes=5',
        check=False)
    assert result.returncode != 0
    assert ('model.head.num_classes is 5, but the dataset '
            'UncheckedCIFAR10') in result.stdout
    assert 'has 10 classes. Set model.head.num_classes=10' in result.stdout
    assert 'Epoch(train)' not in result.stdout
    assert not glob.glob(str(work_dir / '*.pth'))
