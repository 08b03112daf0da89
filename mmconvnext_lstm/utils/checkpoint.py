# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoint files that are either complete or absent, with a digest.

A checkpoint is written to a hidden temporary file beside its final name,
flushed to the disk and only then renamed into place, so a kill or a full
disk never leaves a truncated file under a checkpoint's name. Beside each
checkpoint, ``<name>.sha256`` records its SHA-256 digest in ``sha256sum``'s
format (``cd work_dir && sha256sum -c epoch_3.pth.sha256`` checks it).
:func:`read_checkpoint` reads a file once, checks it against that digest and
unpickles it with torch's weights-only loader.
"""
import glob
import hashlib
import io
import os
import os.path as osp
import pickle
import tempfile
import zipfile

import torch
from mmengine.fileio import LocalBackend, register_backend

from .errors import CheckpointError

DIGEST_SUFFIX = '.sha256'
# Temporary files end so, never in ``.pth``: nothing takes them for a
# checkpoint, and a later run removes those a kill left behind.
PARTIAL_SUFFIX = '.partial'
# What every zip archive (torch.save's format since 1.6) starts with.
_ZIP_MAGIC = b'PK\x03\x04'


def digest_path(path: str) -> str:
    """The digest record (sidecar) of checkpoint ``path``."""
    return path + DIGEST_SUFFIX


def _fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (POSIX; a no-op elsewhere)."""
    if not hasattr(os, 'O_DIRECTORY'):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``: afterwards ``path`` holds all of it, and
    before, its old content (or nothing), even if the process is killed.

    Args:
        path (str): The file to write.
        data (bytes): Its new content.

    Raises:
        OSError: The write failed (e.g. the disk is full); the error names
            ``path``, and no temporary file is left.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, partial = tempfile.mkstemp(
        dir=directory, prefix=f'.{osp.basename(path)}.', suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except OSError as error:
        if osp.exists(partial):
            os.remove(partial)
        raise OSError(error.errno, error.strerror, path) from error
    _fsync_directory(directory)


def write_checkpoint(path: str, data: bytes) -> None:
    """Write checkpoint bytes atomically, then their digest beside them.

    An older digest of ``path`` goes first, so that no digest ever
    describes other bytes than the file under its name: after a kill the
    file is complete, with its own digest or, for a moment, with none.

    Args:
        path (str): The checkpoint's final name.
        data (bytes): The checkpoint, as ``torch.save`` wrote it.
    """
    digest = hashlib.sha256(data).hexdigest()
    if osp.exists(digest_path(path)):
        os.remove(digest_path(path))
    write_atomically(path, data)
    write_atomically(
        digest_path(path), f'{digest}  {osp.basename(path)}\n'.encode())


def remove_partial_files(directory: str) -> list:
    """Remove the temporary files killed writes left in ``directory``.

    Returns:
        list: The removed files.
    """
    partial = glob.glob(osp.join(directory, f'.*{PARTIAL_SUFFIX}'))
    for path in partial:
        os.remove(path)
    return partial


def complete_checkpoints(directory: str) -> list:
    """The ``.pth`` files in ``directory``, newest first.

    Files this module wrote there are complete by construction; temporary
    files do not end in ``.pth``.
    """
    return sorted(
        glob.glob(osp.join(directory, '*.pth')),
        key=osp.getmtime,
        reverse=True)


def _recorded_digest(path: str):
    """The digest recorded beside ``path``, or None without a record."""
    if not osp.isfile(digest_path(path)):
        return None
    with open(digest_path(path)) as f:
        fields = f.read().split()
    return fields[0] if fields else None


def _why_unreadable(data: bytes, error: Exception) -> str:
    """Say in words why ``torch.load`` could not read ``data``."""
    if not data:
        return 'the file is empty (0 bytes)'
    if data.startswith(_ZIP_MAGIC) and not zipfile.is_zipfile(
            io.BytesIO(data)):
        return (f'it is truncated: its {len(data)} bytes lack the end of '
                'the zip archive torch.save writes')
    if isinstance(error, EOFError):
        return f'it is truncated: its data ends early, after {len(data)} bytes'
    if not data.startswith((_ZIP_MAGIC, b'\x80')):
        return 'it is not a PyTorch checkpoint (not a torch.save file)'
    return f'it is damaged ({type(error).__name__}: {error})'


def _refusal_reason(error: pickle.UnpicklingError) -> str:
    """The weights-only unpickler's reason, without torch's advice to
    turn the protection off."""
    reason = str(error).split('WeightsUnpickler error:', 1)[-1]
    return reason.split('Check the documentation', 1)[0].strip()


def read_checkpoint(path: str) -> dict:
    """Read a checkpoint once: check its digest record, if any, and load it
    with torch's weights-only unpickler.

    Args:
        path (str): A local checkpoint file.

    Returns:
        dict: The checkpoint, its tensors on the CPU.

    Raises:
        CheckpointError: The file cannot be read, does not match its digest,
            holds objects a weights-only load refuses, or is not a dict.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as error:
        raise CheckpointError(
            f'Cannot read checkpoint {path}: {error.strerror}.') from error
    recorded = _recorded_digest(path)
    if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
        others = [
            other for other in complete_checkpoints(osp.dirname(path))
            if osp.abspath(other) != osp.abspath(path)
        ]
        advice = (f'Use another checkpoint, e.g. {others[0]}.'
                  if others else 'Use another checkpoint of this model.')
        raise CheckpointError(
            f'Checkpoint {path} does not match the SHA-256 digest recorded '
            f'in {digest_path(path)} when it was written: it was corrupted '
            f'or modified since. {advice}')
    try:
        checkpoint = torch.load(
            io.BytesIO(data), map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f'Refused to load checkpoint {path}: it holds objects that a '
            'safe (weights-only) load does not allow, so it was not written '
            'by mmengine or torch.save of a state dict. Details: '
            f'{_refusal_reason(error)}') from error
    except Exception as error:
        raise CheckpointError(
            f'Cannot read checkpoint {path}: '
            f'{_why_unreadable(data, error)}. If a run was killed or ran '
            'out of disk space while writing it, use an earlier checkpoint '
            'of that run.') from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'{path} holds a {type(checkpoint).__name__}, not a checkpoint '
            '(a dict with a "state_dict"). Give a .pth file written by '
            'tools/train.py or torch.save(model.state_dict(), path).')
    return checkpoint


@register_backend('atomic_checkpoint')
class AtomicCheckpointBackend(LocalBackend):
    """mmengine's local file backend, writing checkpoints atomically with
    a digest beside each and removing the digest with its checkpoint.

    ``AtomicCheckpointHook`` makes the runner save through it (by its
    ``backend_args``).
    """

    def put(self, obj: bytes, filepath) -> None:
        write_checkpoint(str(filepath), obj)

    def remove(self, filepath) -> None:
        super().remove(filepath)
        if osp.isfile(digest_path(str(filepath))):
            os.remove(digest_path(str(filepath)))
