# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
import glob
import os
import os.path as osp
import re
import warnings
from contextlib import contextmanager

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from mmconvnext_lstm.utils.checkpoint import (PARTIAL_LOAD, PARTIAL_SUFFIX,
                                              WEIGHTS_DIGEST_KEY, check_fit,
                                              complete_checkpoints,
                                              load_metadata, read_checkpoint,
                                              weights_digest, write_atomically)
from mmconvnext_lstm.utils.errors import CheckpointError

LAST_CHECKPOINT = 'last_checkpoint'
# The temporary files write_atomically names, for a checkpoint, its sidecar
# or last_checkpoint: '.<name>.<8 hex digits>.partial'.
LEFTOVER = re.compile(rf'\.(.+\.pth(\.sha256)?|{LAST_CHECKPOINT})\.'
                      rf'[0-9a-f]{{8}}{re.escape(PARTIAL_SUFFIX)}')


def _last_checkpoint(work_dir: str):
    """What ``work_dir/last_checkpoint`` names; None without that file."""
    path = osp.join(work_dir, LAST_CHECKPOINT)
    if osp.isfile(path):
        with open(path) as f:
            return f.read().strip()
    return None


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's CheckpointHook that never leaves a run without a complete
    checkpoint, and checks what a run loads first (docs/checkpoints.md).

    Args:
        **kwargs: mmengine's ``CheckpointHook`` arguments.
    """

    def before_run(self, runner) -> None:
        # First the file runner.load_or_resume will load, if local (mmengine
        # keeps these settings private); then its fit to the model.
        if runner._has_loaded:
            return
        path = runner._load_from
        if path is None and runner._resume:
            path = _last_checkpoint(runner.work_dir)
            if path is None:
                return  # nothing to resume: mmengine starts afresh
            if not osp.isfile(path):
                found = ', '.join(complete_checkpoints(runner.work_dir))
                raise CheckpointError(
                    f'Cannot resume in {runner.work_dir}: its '
                    f'{LAST_CHECKPOINT} file ' +
                    (f'names {path}, which does not exist. '
                     if path else 'is empty. ') +
                    (f'Checkpoints found there, newest first: {found}. Resume '
                     'from one of them with `tools/train.py CONFIG --resume '
                     'PATH`.' if found else 'It holds no checkpoint (.pth): '
                     'start the run again without --resume.'))
        if path is None or '://' in str(path) or osp.isdir(path):
            return  # remote files and DeepSpeed's folders: mmengine's
        if not osp.exists(path):
            raise CheckpointError(
                f'Checkpoint {path} does not exist (resolved to '
                f'{osp.abspath(path)}). Give the path of a .pth file.')
        model = runner.model  # what mmengine's load_state_dict loads into
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
        fit = check_fit(path, read_checkpoint(path), model.state_dict(),
                        self._fine_tuning(runner))
        partial = fit.startswith('load_from:')
        (runner.logger.warning if partial else runner.logger.info)(fit)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # The runner loads it next: FitCheckedImageClassifier lets a
        # fine-tuning run load a partial fit, which before_run warned about.
        if self._fine_tuning(runner):
            load_metadata(checkpoint)[PARTIAL_LOAD] = True

    @staticmethod
    def _fine_tuning(runner) -> bool:
        # runner.train() builds its loop before before_run; test() does not.
        return isinstance(runner._train_loop, BaseLoop) and not runner._resume

    def before_train(self, runner) -> None:
        # mmengine removes out_dir/filename_tmpl.format(id) for the ids a
        # resumed checkpoint lists beyond max_keep_ckpts: steps only.
        ids = runner.message_hub.get_info('keep_ckpt_ids')
        if ids is not None:
            ids = list(ids) if isinstance(ids, (list, tuple)) else [ids]
            steps = [i for i in ids if type(i) is int]
            if steps != ids:
                warnings.warn(
                    f'Ignored the keep_ckpt_ids {ids!r:.80} of the resumed '
                    'checkpoint that are not step numbers (mmengine would '
                    'remove the files they name).')
            runner.message_hub.update_info('keep_ckpt_ids', steps)
        out_dir = self.out_dir or runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and isinstance(get_file_backend(out_dir), LocalBackend)):
            self.backend_args = dict(backend='atomic_checkpoint')
        super().before_train(runner)
        if is_main_process():  # what writes killed before their rename left
            for partial in glob.glob(
                    osp.join(glob.escape(self.out_dir),
                             f'.*{PARTIAL_SUFFIX}')):
                if not LEFTOVER.fullmatch(osp.basename(partial)):
                    continue  # not one of this package's temporary files
                os.remove(partial)
                runner.logger.info(
                    f'Removed {partial}, left by a run killed while saving.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # After EMAHook (a higher priority) put the EMA weights in place.
        checkpoint.setdefault('meta', {})[WEIGHTS_DIGEST_KEY] = weights_digest(
            checkpoint['state_dict'])

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine removes the outdated checkpoint first; this, last.
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            # Until it is gone, a resumed run removes it (before_train).
            runner.message_hub.update_info('keep_ckpt_ids',
                                           outdated + list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with self._explain_write_errors(runner):
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
        # mmengine removes the previous best first: record, remove after.
        backend, removed = self.file_backend, []
        backend.remove = backend.rmtree = removed.append
        try:
            with self._explain_write_errors(runner):
                super()._save_best_checkpoint(runner, metrics)
        finally:
            del backend.remove, backend.rmtree
        for path in removed:
            self._remove(path)

    def _remove(self, path: str) -> None:
        """Remove a checkpoint (a file, or a directory from deepspeed): a
        ``.pth`` in ``out_dir``, whatever a resumed checkpoint names."""
        if osp.dirname(osp.abspath(path)) != osp.abspath(
                self.out_dir) or not path.endswith('.pth'):
            warnings.warn(f'Kept {path}: a resumed checkpoint names it as '
                          f'an outdated checkpoint of {self.out_dir}, and '
                          'it is not one.')
            return
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
            previous = _last_checkpoint(runner.work_dir)
            intact = (f'The previous checkpoint {previous} is intact and '
                      f'{LAST_CHECKPOINT} still names it.' if previous else
                      'No checkpoint of this run was complete before.')
            raise CheckpointError(
                'Could not write checkpoint '
                f'{error.filename or "in " + str(self.out_dir)}: '
                f'{error.strerror or error}. {intact} Free space in '
                f'{self.out_dir} (or lower default_hooks.checkpoint.'
                'max_keep_ckpts), then resume with `tools/train.py CONFIG '
                '--resume`.') from error
