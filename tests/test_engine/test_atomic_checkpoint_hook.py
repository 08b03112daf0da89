# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""AtomicCheckpointHook with a real mmengine Runner: the order of a save's
steps, a failing write, and the checks before a checkpoint loads."""
import errno
import hashlib
import inspect
import io
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import CheckpointHook, Hook
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS
from toy_runner import ToyModel, toy_runner

import mmconvnext_lstm  # noqa: F401  registers the hooks
from mmconvnext_lstm.engine.hooks import AtomicCheckpointHook
from mmconvnext_lstm.utils import (CheckpointError, read_checkpoint,
                                   weights_digest, write_checkpoint)
from mmconvnext_lstm.utils.checkpoint import WEIGHTS_DIGEST_KEY

pytestmark = pytest.mark.unit


def recorded_digest(path):
    with open(f'{path}.sha256') as f:
        return f.read().split()


def file_digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def file_operations(monkeypatch):
    """Record os.replace and os.remove calls as (name, target basename)."""
    calls = []
    for name in ('replace', 'remove'):
        original = getattr(os, name)

        def record(*args, _name=name, _original=original):
            calls.append((_name, osp.basename(args[-1])))
            return _original(*args)

        monkeypatch.setattr(os, name, record)
    return calls


def test_mmengine_private_members_the_hook_relies_on():
    """The hook overrides these CheckpointHook methods and reads these
    Runner attributes; this pins them on each mmengine the suite runs on."""
    for name, arguments in [
        ('_save_checkpoint_with_step', ['self', 'runner', 'step', 'meta']),
        ('_save_best_checkpoint', ['self', 'runner', 'metrics'])
    ]:
        assert list(
            inspect.signature(getattr(CheckpointHook,
                                      name)).parameters) == arguments
    source = inspect.getsource(Runner.load_or_resume)
    for attribute in ('self._has_loaded', 'self._load_from', 'self._resume'):
        assert attribute in source
    assert 'self._train_loop' in inspect.getsource(Runner.train_loop.fget)


def test_registered_as_mmengine_checkpoint_hook():
    hook = HOOKS.build(dict(type='AtomicCheckpointHook', max_keep_ckpts=2))
    assert isinstance(hook, AtomicCheckpointHook)
    assert hook.max_keep_ckpts == 2


def test_save_order_and_digests(tmp_path, file_operations):
    runner = toy_runner(tmp_path, checkpoint=dict(save_best='acc'))
    runner.train()

    assert sorted(f for f in os.listdir(tmp_path) if '.pth' in f) == [
        'best_acc_epoch_2.pth', 'best_acc_epoch_2.pth.sha256', 'epoch_2.pth',
        'epoch_2.pth.sha256'
    ]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_2.pth')
    for name in ('epoch_2.pth', 'best_acc_epoch_2.pth'):
        # sha256sum's format: digest, two spaces, file name.
        assert recorded_digest(tmp_path /
                               name) == [file_digest(tmp_path / name), name]
        # ...and the digest of the weights inside.
        checkpoint = read_checkpoint(str(tmp_path / name))
        assert checkpoint['meta'][WEIGHTS_DIGEST_KEY] == weights_digest(
            checkpoint['state_dict'])
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.partial')]

    def position(operation):
        assert operation in file_operations, file_operations
        return file_operations.index(operation)

    # Epoch 2: checkpoint in place, then last_checkpoint, then pruning.
    epoch_2_in_place = position(('replace', 'epoch_2.pth'))
    pointer_moved = file_operations.index(('replace', 'last_checkpoint'),
                                          epoch_2_in_place)
    assert epoch_2_in_place < pointer_moved < position(
        ('remove', 'epoch_1.pth'))
    # ...with its digest (an earlier re-save of epoch 1 replaced that).
    assert ('remove', 'epoch_1.pth.sha256') in file_operations[position((
        'remove', 'epoch_1.pth')):]
    # The previous best goes only once the new one is in place.
    assert position(('replace', 'best_acc_epoch_2.pth')) < position(
        ('remove', 'best_acc_epoch_1.pth'))


class FillDiskAtEpoch(Hook):
    """From the given epoch's end on, every fsync fails as on a full disk."""

    def __init__(self, epoch, monkeypatch):
        self.epoch = epoch
        self.monkeypatch = monkeypatch

    def after_train_epoch(self, runner):
        if runner.epoch == self.epoch:

            def full_disk(fd):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            self.monkeypatch.setattr(os, 'fsync', full_disk)


def test_full_disk_keeps_previous_checkpoint(tmp_path, monkeypatch):
    runner = toy_runner(
        tmp_path,
        custom_hooks=[FillDiskAtEpoch(epoch=1, monkeypatch=monkeypatch)])
    with pytest.raises(CheckpointError) as error:
        runner.train()
    monkeypatch.undo()
    epoch_1 = tmp_path / 'epoch_1.pth'
    assert str(error.value) == (
        f'Could not write checkpoint {tmp_path / "epoch_2.pth"}: No space '
        f'left on device. The previous checkpoint {epoch_1} is intact and '
        f'last_checkpoint still names it. Free space in {tmp_path} (or '
        'lower default_hooks.checkpoint.max_keep_ckpts), then resume with '
        '`tools/train.py CONFIG --resume`.')
    assert sorted(
        f for f in os.listdir(tmp_path)
        if '.pth' in f or f.endswith('.partial')) == [
            'epoch_1.pth', 'epoch_1.pth.sha256'
        ]
    assert recorded_digest(epoch_1)[0] == file_digest(epoch_1)
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(epoch_1)


def test_leftover_partial_files_go_in_a_work_dir_named_like_a_glob(tmp_path):
    """A killed save's temporary file is removed before training, even in
    a work dir whose name holds glob characters; no other file goes."""
    work_dir = tmp_path / 'run[1]'
    work_dir.mkdir()
    leftover = work_dir / '.epoch_1.pth.0a1b2c3d.partial'
    leftover.write_bytes(b'half a checkpoint')
    kept = [work_dir / 'notes.partial.txt', work_dir / '.download.partial']
    for path in kept:
        path.write_text('mine')
    toy_runner(str(work_dir), max_epochs=1).train()
    assert not leftover.exists()
    assert [path.read_text() for path in kept] == ['mine', 'mine']
    assert (work_dir / 'epoch_1.pth').is_file()


def save(path, model, **extra):
    """Write a checkpoint of ``model`` as the hook does (with a digest)."""
    buffer = io.BytesIO()
    torch.save(dict(state_dict=model.state_dict(), **extra), buffer)
    write_checkpoint(str(path), buffer.getvalue())
    return str(path)


@pytest.fixture(scope='module')
def test_runner(tmp_path_factory):
    """A runner as tools/test.py builds one (nothing trained)."""
    return toy_runner(tmp_path_factory.mktemp('test_runner'))


def check(runner, path):
    """What the hook checks before a test run loads ``path``."""
    runner._load_from = str(path)
    try:
        AtomicCheckpointHook().before_run(runner)
    finally:
        runner._load_from = None


def test_fitting_checkpoint_passes(test_runner, tmp_path):
    check(test_runner, save(tmp_path / 'own.pth', ToyModel()))
    # Saved from inside DDP: keys start with "module.".
    ddp = {f'module.{k}': v for k, v in ToyModel().state_dict().items()}
    path = tmp_path / 'ddp.pth'
    torch.save(ddp, path)
    check(test_runner, path)


def test_modified_checkpoint_is_refused(test_runner, tmp_path):
    earlier = save(tmp_path / 'epoch_1.pth', ToyModel())
    path = save(tmp_path / 'epoch_2.pth', ToyModel())
    os.utime(earlier, (0, 0))  # older than epoch_2.pth
    with open(path, 'r+b') as f:
        f.seek(osp.getsize(path) // 2)
        f.write(b'\0' * 16)
    with pytest.raises(CheckpointError) as error:
        check(test_runner, path)
    assert str(error.value) == (
        f'Checkpoint {path} does not match the SHA-256 digest recorded in '
        f'{path}.sha256 when it was written: it was corrupted or modified '
        f'since. Use another checkpoint, e.g. {earlier} (it matches its '
        'sidecar).')


@pytest.mark.parametrize(
    'content, cause',
    [(lambda data: data[:len(data) // 2],
      'Cannot read checkpoint {path}: it is truncated or damaged'),
     (lambda data: b'', 'Cannot read checkpoint {path}: the file is empty'),
     (lambda data: b'hello', '{path} is not a PyTorch checkpoint')],
    ids=['truncated', 'empty', 'text'])
def test_unreadable_checkpoint_is_refused(test_runner, tmp_path, content,
                                          cause):
    buffer = io.BytesIO()
    torch.save(dict(state_dict=ToyModel().state_dict()), buffer)
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(content(buffer.getvalue()))
    with pytest.raises(CheckpointError, match=cause.format(path=path)):
        check(test_runner, path)


def test_other_models_checkpoint_is_refused(test_runner, tmp_path):
    path = save(
        tmp_path / 'wide.pth',
        ToyModel(width=5),
        meta=dict(experiment_name='wide_model'))
    with pytest.raises(CheckpointError) as error:
        check(test_runner, path)
    assert str(error.value) == (
        f'Checkpoint {path} does not fit the model of this config: shapes '
        'differ for 1 tensor (backbone.weight: (3, 5) in the checkpoint, '
        '(3, 2) in the model). It is most likely another '
        'model\'s checkpoint (written by experiment wide_model): use the '
        'config it was trained with, or a checkpoint of this model.')


def test_missing_and_unexpected_keys_are_refused(test_runner, tmp_path):
    state = ToyModel().state_dict()
    state = {k.replace('head', 'neck'): v for k, v in state.items()}
    path = tmp_path / 'renamed.pth'
    torch.save(state, path)
    with pytest.raises(
            CheckpointError,
            match=r'it lacks 2 of the model\'s 4 tensors \(head.weight, '
            r'head.bias\); it holds 2 tensors the model does not have '
            r'\(neck.bias, neck.weight\)\.'):
        check(test_runner, path)


def test_no_model_weights_are_refused(test_runner, tmp_path):
    path = tmp_path / 'meta_only.pth'
    torch.save(dict(meta=dict(epoch=1)), path)
    with pytest.raises(CheckpointError, match='holds none of the weights'):
        check(test_runner, path)


def test_test_run_refuses_before_loading(tmp_path):
    path = save(tmp_path / 'wide.pth', ToyModel(width=5))
    runner = toy_runner(tmp_path / 'work', load_from=path)
    with pytest.raises(CheckpointError, match='does not fit the model'):
        runner.test()


def test_fine_tuning_loads_partially_with_warning(tmp_path):
    wide = ToyModel(width=5)
    path = save(tmp_path / 'wide.pth', wide)
    runner = toy_runner(tmp_path / 'work', max_epochs=1, load_from=path)
    head_before = runner.model.head.weight.detach().clone()
    runner.train()
    # Loaded what fits (then trained one epoch from there).
    assert not torch.equal(runner.model.head.weight.detach(), head_before)
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        log = f.read()
    # 7 of the model's 13 elements: all but backbone.weight (3x2).
    assert (f'load_from: only 53.8% of the model\'s weights (3 of 4 '
            f'tensors) load from {path}; the rest keep their initial values: '
            'shapes differ for 1 tensor (backbone.weight: (3, 5) in the '
            'checkpoint, (3, 2) in the model).') in log


def test_resume_refuses_partial_fit(tmp_path):
    path = save(tmp_path / 'wide.pth', ToyModel(width=5))
    runner = toy_runner(tmp_path / 'work', load_from=path, resume=True)
    with pytest.raises(CheckpointError, match='does not fit the model'):
        runner.train()


@pytest.mark.parametrize(
    'named, problem', [('', 'is empty'),
                       ('{work_dir}/epoch_3.pth', 'names {work_dir}/'
                        'epoch_3.pth, which does not exist')],
    ids=['empty', 'dangling'])
def test_resume_with_unusable_last_checkpoint(tmp_path, named, problem):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    epoch_1 = save(work_dir / 'epoch_1.pth', ToyModel())
    (work_dir / 'last_checkpoint').write_text(named.format(work_dir=work_dir))
    runner = toy_runner(work_dir, resume=True)
    with pytest.raises(CheckpointError) as error:
        runner.train()
    assert str(error.value) == (
        f'Cannot resume in {work_dir}: its last_checkpoint file '
        f'{problem.format(work_dir=work_dir)}. Checkpoints found there, '
        f'newest first: {epoch_1}. Resume from one of them with '
        '`tools/train.py CONFIG --resume PATH`.')


def test_missing_and_remote_files(test_runner, tmp_path):
    hook = AtomicCheckpointHook()
    test_runner._load_from = str(tmp_path / 'nope.pth')
    try:
        with pytest.raises(
                CheckpointError,
                match=f'Checkpoint {tmp_path}/nope.pth does not '
                'exist'):
            hook.before_run(test_runner)
        # URLs are mmengine's to download and check.
        test_runner._load_from = 'https://example.com/model.pth'
        hook.before_run(test_runner)
    finally:
        test_runner._load_from = None


def rewrite(path, edit):
    """Load checkpoint ``path``, let ``edit`` change it, save it again."""
    checkpoint = torch.load(path)
    edit(checkpoint)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    write_checkpoint(str(path), buffer.getvalue())


def test_resume_ignores_a_config_text_mmengine_would_run(tmp_path):
    marker = tmp_path / 'code_ran'
    code = f'x = __import__("pathlib").Path({str(marker)!r}).touch()\n'
    Config.fromstring(code, file_format='.py')  # what resume does with it
    assert marker.exists()
    marker.unlink()
    work_dir = tmp_path / 'work'
    toy_runner(work_dir, max_epochs=1).train()
    rewrite(work_dir / 'epoch_1.pth',
            lambda checkpoint: checkpoint['meta'].update(config=code))
    with pytest.warns(
            UserWarning,
            match=r"Ignored meta\['config'\] of "
            f'checkpoint {work_dir}/epoch_1.pth'):
        toy_runner(work_dir, resume=True).train()
    assert not marker.exists()
    assert (work_dir / 'epoch_2.pth').is_file()


def test_resume_removes_only_checkpoints_of_its_out_dir(tmp_path):
    """mmengine removes the previous best checkpoint that a resumed
    checkpoint's message hub names, whatever path that is."""
    victim = tmp_path / 'precious'
    (victim / 'data').mkdir(parents=True)
    work_dir = tmp_path / 'work'
    settings = dict(save_best='acc', rule='greater')
    toy_runner(work_dir, max_epochs=1, checkpoint=settings).train()
    rewrite(
        work_dir / 'epoch_1.pth',
        lambda checkpoint: checkpoint['message_hub']['runtime_info'].update(
            best_ckpt=str(victim), best_score=-1.0))
    with pytest.warns(UserWarning, match=f'Kept {victim}: a resumed'):
        toy_runner(work_dir, checkpoint=settings, resume=True).train()
    assert (victim / 'data').is_dir()
    assert sorted(os.listdir(work_dir)).count('best_acc_epoch_2.pth') == 1


def test_resume_prunes_only_step_numbers(tmp_path):
    """mmengine removes out_dir/epoch_{id}.pth for each id a resumed
    checkpoint keeps beyond max_keep_ckpts, a file or a folder."""
    work_dir = tmp_path / 'work'
    toy_runner(work_dir, max_epochs=1).train()
    mine = [work_dir / 'epoch_1_backup.pth', work_dir / 'epoch_notes.pth']
    mine[0].write_text('mine')
    mine[1].mkdir()
    rewrite(
        work_dir / 'epoch_1.pth', lambda checkpoint: checkpoint['message_hub'][
            'runtime_info'].update(keep_ckpt_ids=['1_backup', 'notes', 1]))
    with pytest.warns(UserWarning, match="Ignored the keep_ckpt_ids"):
        toy_runner(work_dir, resume=True).train()
    assert mine[0].read_text() == 'mine' and mine[1].is_dir()
    assert not (work_dir / 'epoch_1.pth').exists()  # pruned as mmengine does
