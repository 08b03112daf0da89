# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import os.path as osp
from contextlib import contextmanager
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

# yapf: disable
from mmconvnext_lstm.utils.checkpoint import (WEIGHTS_DIGEST_KEY,
                                              checkpoint_state_dict,
                                              compare_state_dicts,
                                              complete_checkpoints,
                                              read_checkpoint,
                                              remove_partial_files,
                                              weights_digest, write_atomically)
# yapf: enable
from mmconvnext_lstm.utils.errors import CheckpointError

LAST_CHECKPOINT = 'last_checkpoint'


class _RemovalRecorder:
    """A file backend whose ``remove`` and ``rmtree`` only record the path;
    everything else goes to ``backend``."""

    def __init__(self, backend, removed: list):
        self._backend = backend
        self._removed = removed

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def remove(self, path) -> None:
        self._removed.append(path)

    rmtree = remove


def _read_last_checkpoint(work_dir: str) -> Optional[str]:
    """What ``work_dir/last_checkpoint`` names; None without that file."""
    path = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return f.read().strip()


def _unusable_last_checkpoint(work_dir: str, named: str) -> CheckpointError:
    """The error for a ``last_checkpoint`` that is empty or names a missing
    file (written by a hook that is not atomic), listing what is there."""
    problem = (f'names {named}, which does not exist' if named else 'is empty')
    found = complete_checkpoints(work_dir)
    advice = (f'Checkpoints found there, newest first: {", ".join(found)}. '
              'Resume from one of them with '
              '`tools/train.py CONFIG --resume PATH`.' if found else
              'It holds no checkpoint (.pth): start the run again without '
              '--resume.')
    return CheckpointError(f'Cannot resume in {work_dir}: its '
                           f'{LAST_CHECKPOINT} file {problem}. {advice}')


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's CheckpointHook that never leaves a run without a complete
    checkpoint, and checks the checkpoint a run will load before it loads.

    Saving, in this order: the digest of the weights goes into the
    checkpoint's meta; the checkpoint goes to a temporary file beside
    its name, is flushed to the disk and renamed into place, with its
    SHA-256 digest in ``<checkpoint>.sha256``; then ``last_checkpoint`` is
    replaced (atomically too); only then are the checkpoints beyond
    ``max_keep_ckpts`` and a superseded best checkpoint removed. mmengine's
    hook removes first and writes in place, so a kill or a full disk while
    saving can leave no loadable checkpoint. The guarantees hold for local
    directories; for remote ``out_dir`` or ``backend_args`` the hook saves
    as mmengine's does.

    Before a run loads a checkpoint (``load_from``, or the work dir's last
    one when resuming), it refuses, with a message that names the file:
    one that does not match its digest, cannot be read, or, when testing
    or resuming, does not fit the model exactly (missing, unexpected or
    reshaped tensors). For fine-tuning (``load_from`` in training) the
    partial loading of mmengine stays, with a warning that says how much
    of the model loads.

    The hook overrides two private methods of mmengine's CheckpointHook
    (``_save_checkpoint_with_step``, ``_save_best_checkpoint``) and reads
    the runner's ``_has_loaded``, ``_load_from``, ``_resume`` and
    ``_train_loop``: mmengine has no public way to order a save's steps or
    to see what a run will load. Tests pin them on OpenMMLab's mmengine and
    on OneDL's.

    Args:
        **kwargs: mmengine's ``CheckpointHook`` arguments.
    """

    def before_run(self, runner) -> None:
        path = self._checkpoint_to_load(runner)
        if path is not None:
            self._check_checkpoint(runner, path)

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and isinstance(get_file_backend(out_dir), LocalBackend)):
            # The runner saves through this backend: atomic, with digests.
            self.backend_args = dict(backend='atomic_checkpoint')
        super().before_train(runner)
        if is_main_process() and osp.isdir(self.out_dir):
            for partial in remove_partial_files(self.out_dir):
                runner.logger.info(
                    f'Removed {partial}, left by a run killed while saving.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # After EMAHook (a higher priority) put the EMA weights in place.
        checkpoint.setdefault('meta', {})[WEIGHTS_DIGEST_KEY] = weights_digest(
            checkpoint['state_dict'])

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine's order is: remove outdated, save, write last_checkpoint.
        outdated = []  # at most one step
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            # The checkpoint's record keeps the outdated ones until they are
            # gone: a run resumed after a kill before the pruning removes
            # them (in CheckpointHook.before_train).
            runner.message_hub.update_info('keep_ckpt_ids',
                                           outdated + list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with self._explain_write_errors(runner):
            # Writes on the main process only, as mmengine's does.
            runner.save_checkpoint(
                self.out_dir,
                filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
            if is_main_process():
                write_atomically(
                    osp.join(runner.work_dir, LAST_CHECKPOINT),
                    self.last_ckpt.encode())
        if outdated:
            if is_main_process():
                self._remove(
                    self.file_backend.join_path(
                        self.out_dir, self.filename_tmpl.format(outdated[0])))
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        # mmengine removes the previous best before it saves the new one:
        # record the removals and make them once the new one is in place.
        backend, removed = self.file_backend, []
        self.file_backend = _RemovalRecorder(backend, removed)
        try:
            with self._explain_write_errors(runner):
                super()._save_best_checkpoint(runner, metrics)
        finally:
            self.file_backend = backend
        for path in removed:
            self._remove(path)

    def _remove(self, path: str) -> None:
        """Remove a checkpoint (a file, or a directory from deepspeed)."""
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)

    @contextmanager
    def _explain_write_errors(self, runner):
        """Turn an OSError of a save (a full disk...) into a CheckpointError
        that says which file failed and which checkpoint is intact."""
        try:
            yield
        except OSError as error:
            previous = _read_last_checkpoint(runner.work_dir)
            intact = (f'The previous checkpoint {previous} is intact and '
                      f'{LAST_CHECKPOINT} still names it.'
                      if previous else 'No checkpoint of this run was '
                      'complete before.')
            raise CheckpointError(
                f'Could not write checkpoint '
                f'{error.filename or "in " + str(self.out_dir)}: '
                f'{error.strerror or error}. {intact} Free space in '
                f'{self.out_dir} (or lower '
                'default_hooks.checkpoint.max_keep_ckpts), then resume '
                'with `tools/train.py CONFIG --resume`.') from error

    @staticmethod
    def _checkpoint_to_load(runner) -> Optional[str]:
        """The local file ``runner.load_or_resume`` will load, if any."""
        # mmengine keeps these settings in private attributes only.
        if runner._has_loaded:
            return None
        path = runner._load_from
        if path is None and runner._resume:
            path = _read_last_checkpoint(runner.work_dir)
            if path is None:
                return None  # nothing to resume: mmengine starts afresh
            if not osp.isfile(path):
                raise _unusable_last_checkpoint(runner.work_dir, path)
        if path is None or '://' in str(path) or osp.isdir(path):
            # Remote files and DeepSpeed's checkpoint folders are left to
            # mmengine.
            return None
        if not osp.isfile(path):
            raise CheckpointError(
                f'Checkpoint {path} does not exist (resolved to '
                f'{osp.abspath(path)}). Give the path of a .pth file.')
        return path

    @staticmethod
    def _check_checkpoint(runner, path: str) -> None:
        """Refuse a checkpoint that is damaged or, unless fine-tuning from
        it, does not fit the model exactly; say how much of the model a
        fine-tuning checkpoint provides."""
        checkpoint = read_checkpoint(path)
        state_dict = checkpoint_state_dict(checkpoint)
        model = runner.model
        # What mmengine's load_state_dict loads into.
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
        fit = compare_state_dicts(model.state_dict(), state_dict)
        if fit.loaded_tensors == 0:
            raise CheckpointError(
                f'Checkpoint {path} holds none of the weights of the model '
                f'of this config ({fit.describe()}). It is another model\'s '
                'checkpoint, or not a model checkpoint: use the config it '
                'was trained with.')
        # runner.train() builds its loop before before_run; test() and
        # val() leave it unbuilt.
        fine_tuning = isinstance(runner._train_loop,
                                 BaseLoop) and not runner._resume
        if fit.complete:
            runner.logger.info(f'Checkpoint {path} fits the model: all '
                               f'{fit.total_tensors} tensors load.')
        elif fine_tuning:
            share = fit.loaded_elements / fit.total_elements
            runner.logger.warning(
                f'load_from: only {share:.1%} of the model\'s weights '
                f'({fit.loaded_tensors} of {fit.total_tensors} tensors) load '
                f'from {path}; the rest keep their initial values: '
                f'{fit.describe()}.')
        else:
            experiment = (checkpoint.get('meta') or {}).get('experiment_name')
            written_by = (f' (written by experiment {experiment})'
                          if experiment else '')
            raise CheckpointError(
                f'Checkpoint {path} does not fit the model of this config: '
                f'{fit.describe()}. It is most likely another model\'s '
                f'checkpoint{written_by}: use the config it was trained '
                'with, or a checkpoint of this model.')
