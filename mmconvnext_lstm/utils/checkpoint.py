# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoint safety (docs/checkpoints.md): what torch's weights-only
loader may build, the reader every mmengine loader goes through (digests,
a scan of the pickle before it is unpickled), atomic writes, and how well a
checkpoint's weights fit a model."""
import glob
import hashlib
import io
import math
import os
import os.path as osp
import pickle
import pickletools
import re
import secrets
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.fileio import LocalBackend, get_file_backend, register_backend
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version

from .errors import CheckpointError

SIDECAR_SUFFIX = '.sha256'
# Temporary files end so, never in ``.pth``: nothing takes them for a
# checkpoint, and a later run removes those a kill left behind.
PARTIAL_SUFFIX = '.partial'
# Where AtomicCheckpointHook records the digest of the weights.
WEIGHTS_DIGEST_KEY = 'state_dict_sha256'
# Nesting deeper than mmengine's checkpoints (about 6 levels) is refused:
# hashing nested tuples shared through the memo doubles per level.
MAX_DEPTH = 16

# Registers mmengine's default statistics (min, max, current, mean).
HistoryBuffer()
# Checkpoints without digests already warned about (once each).
_UNCHECKED_SAID = set()
# The statistics HistoryBuffer defines itself, by name; user-registered
# statistics are pickled as their own functions, not through getattr.
_STATISTICS = {
    name: method
    for name, method in HistoryBuffer._statistics_methods.items()
    if vars(HistoryBuffer).get(name) is method
}
# What HistoryBuffer.__getstate__ writes.
_HISTORY_BUFFER_STATE = {
    'max_length', '_log_history', '_count_history', 'statistics_methods'
}
# numpy's bool, integer and float dtypes: the ones mmengine's logs,
# metrics and meta hold. Object, string and void dtypes are left out.
_NUMPY_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                 'uint32', 'uint64', 'float16', 'float32', 'float64')
# The tensor storages torch.save writes, with the bytes of an element.
_STORAGE_ITEMSIZES = {
    f'{name}Storage': int(size)
    for name, size in (entry.split(':') for entry in (
        'Untyped:1 Float:4 Double:8 Half:2 BFloat16:2 Long:8 Int:4 Short:2 '
        'Char:1 Byte:1 Bool:1').split())
}


def history_buffer_statistic(owner: type, name: str):
    """Stand-in for ``getattr`` while unpickling under ``weights_only``:
    gives ``HistoryBuffer.min`` (``max``, ``current``, ``mean``) and
    refuses anything else (the pickle's HistoryBuffer is the stand-in
    below)."""
    if owner in (HistoryBuffer, LoadedHistoryBuffer) and name in _STATISTICS:
        return _STATISTICS[name]
    raise pickle.UnpicklingError(
        f'Refused getattr({owner!r}, {name!r}) in a weights-only load: '
        'mmconvnext_lstm allows getattr only for the statistics methods of '
        f'mmengine\'s HistoryBuffer ({sorted(_STATISTICS)}). This file is '
        'not a checkpoint written by mmengine; do not load it unless you '
        'trust its source.')


class LoadedHistoryBuffer(HistoryBuffer):
    """Stand-in for ``HistoryBuffer`` while unpickling under
    ``weights_only``. mmengine's ``__setstate__`` updates the class-wide
    table of statistics from the file (a crafted one could make
    ``statistics('mean')`` give the minimum for the rest of the process);
    this one accepts only mmengine's state and becomes a HistoryBuffer."""

    def __setstate__(self, state: dict) -> None:
        statistics = state.get('statistics_methods') if isinstance(
            state, dict) else None
        if set(state or ()) != _HISTORY_BUFFER_STATE or not isinstance(
                statistics, dict) or any(
                    _STATISTICS.get(name) is not method
                    for name, method in statistics.items()):
            raise pickle.UnpicklingError(
                'Refused a HistoryBuffer state that mmengine does not write '
                '(its keys or statistics methods differ).')
        self.__dict__.update({
            k: v
            for k, v in state.items() if k != 'statistics_methods'
        })
        self.__class__ = HistoryBuffer


def _numpy_checkpoint_globals() -> list:
    """Numpy globals in mmengine checkpoints, with their pickled names."""
    # numpy 2 moved the pickling helpers to ``numpy._core`` (the name it
    # writes); files written with numpy 1 name ``numpy.core``.
    multiarray = getattr(np, '_core', None) or np.core
    rebuilders = [(getattr(multiarray.multiarray,
                           name), f'{package}.multiarray.{name}')
                  for name in ('_reconstruct', 'scalar')
                  for package in ('numpy.core', 'numpy._core')]
    # An unpickled dtype is built (BUILD) as an instance of its own class
    # (numpy.dtypes.Float64DType...), so each class must be allowed.
    dtype_classes = [type(np.dtype(name)) for name in _NUMPY_DTYPES]
    return [*rebuilders, np.ndarray, np.dtype, *dtype_classes]


def checkpoint_safe_globals() -> list:
    """What :func:`allow_mmengine_checkpoints` adds to torch's allow-list,
    as ``torch.serialization.add_safe_globals`` takes it."""
    return [(LoadedHistoryBuffer,
             'mmengine.logging.history_buffer.HistoryBuffer'),
            (history_buffer_statistic, 'builtins.getattr'),
            *_numpy_checkpoint_globals()]


# The globals the scan lets through, by the name a pickle gives them (the
# numpy dtype classes are never named: a dtype is built from numpy.dtype).
_SCAN_GLOBALS = {
    **{
        f'{package}.multiarray {name}': name
        for name in ('_reconstruct', 'scalar')
        for package in ('numpy.core', 'numpy._core')
    },
    'numpy ndarray': 'ndarray',
    'numpy dtype': 'dtype',
    'mmengine.logging.history_buffer HistoryBuffer': 'HistoryBuffer',
    'builtins getattr': 'getattr',
    '__builtin__ getattr': 'getattr',  # protocol 2's name
    'collections OrderedDict': 'OrderedDict',
    'collections Counter': 'Counter',  # MultiStepLR's milestones
    'torch._utils _rebuild_tensor_v2': 'tensor',
    # A tensor with Python attributes: torch.compile marks the parameters
    # it traced (``_dynamo_static_input_type``), and their state dict keeps
    # the mark.
    'torch._tensor _rebuild_from_type_v2': 'tensor_with_attributes',
    'torch Tensor': 'Tensor',
    '_codecs encode': 'encode',
    **{
        f'torch {name}': name
        for name in _STORAGE_ITEMSIZES
    },
}
# Opcodes by their byte, and the arguments of those torch.save writes
# (pickle protocol 2) that take one: fixed-size ones by struct format.
_OPCODES = {op.code.encode('latin1')[0]: op.name for op in pickletools.opcodes}
_FIXED_ARGUMENTS = {
    name: struct.Struct(fmt)
    for name, fmt in [('BININT1', '<B'), ('BININT2', '<H'), (
        'BININT', '<i'), ('BINFLOAT',
                          '>d'), ('BINPUT',
                                  '<B'), ('LONG_BINPUT',
                                          '<I'), ('BINGET',
                                                  '<B'), ('LONG_BINGET',
                                                          '<I'), ('PROTO',
                                                                  '<B')]
}
_OPCODE_ATOMS = {
    'BININT', 'BININT1', 'BININT2', 'BINFLOAT', 'LONG1', 'BINUNICODE'
}
_OPCODE_CONSTANTS = {'NONE': None, 'NEWTRUE': True, 'NEWFALSE': False}
_OPCODE_TUPLE_SIZES = {'EMPTY_TUPLE': 0, 'TUPLE1': 1, 'TUPLE2': 2, 'TUPLE3': 3}


class _Item:
    """What the scan knows of a global, a container or an object being
    built on the unpickler's stack (plain values stay as they are)."""
    __slots__ = ('kind', 'value', 'depth')

    def __init__(self, kind: str, value=None, depth: int = 0):
        self.kind, self.value, self.depth = kind, value, depth


def _kind(value) -> str:
    return value.kind if type(value) is _Item else 'atom'


def _container(kind: str, items: list) -> _Item:
    depth = 1
    for item in items:
        if type(item) is _Item and item.depth >= depth:
            depth = item.depth + 1
    if depth > MAX_DEPTH:
        raise ValueError(f'containers nested {depth} deep (at most '
                         f'{MAX_DEPTH})')
    return _Item(kind, items, depth)


def _atoms(value) -> tuple:
    """The values of a tuple of plain values; None for anything else."""
    if _kind(value) != 'tuple' or any(type(v) is _Item for v in value.value):
        return None
    return tuple(value.value)


def _reduce(func: _Item, args) -> object:
    """The result of calling ``func(*args)``, if mmengine writes such a
    call; otherwise ValueError."""
    name = func.value
    values = args.value if _kind(args) == 'tuple' else ()
    kinds, atoms = [_kind(v) for v in values], _atoms(args) or ()
    if name == 'OrderedDict' and not values:
        return _Item('dict', {}, 1)
    if name == 'Counter' and kinds == ['dict']:
        return values[0]
    if name == 'tensor' and kinds[:1] == ['storage']:
        return _container('tensor', values)
    if name == 'tensor_with_attributes' and kinds == [
            'global', 'global', 'tuple', 'dict'
    ] and (values[0].value, values[1].value) == ('tensor', 'Tensor') and all(
            isinstance(key, str) and type(value) is not _Item
            for key, value in values[3].value.items()):
        return _reduce(values[0], values[2])
    if name == 'encode' and atoms[1:] == ('latin1', ) and isinstance(
            atoms[0], str):
        return atoms[0].encode('latin1')
    if name == '_reconstruct' and kinds == [
            'global', 'tuple', 'atom'
    ] and (values[0].value == 'ndarray' and _atoms(values[1]) == (0, )):
        return _Item('ndarray')
    if name == 'scalar' and kinds == ['dtype', 'atom']:
        return values[1]
    if name == 'dtype' and atoms[1:] == (False, True) and isinstance(
            atoms[0], str):
        dtype = np.dtype(atoms[0])
        if dtype.name not in _NUMPY_DTYPES or dtype.byteorder == '>':
            raise ValueError(f'a numpy dtype {dtype} (allowed: '
                             f'{", ".join(_NUMPY_DTYPES)})')
        return _Item('dtype', dtype)
    if name == 'getattr' and kinds == [
            'global', 'atom'
    ] and (values[0].value == 'HistoryBuffer' and values[1] in _STATISTICS):
        return _Item('statistic', values[1])
    raise ValueError(f'a call of {name} with arguments mmengine does not '
                     'write')


def _build(target, state) -> None:
    """Check a BUILD (``__setstate__``) of ``target`` with ``state``."""
    kind = _kind(target)
    keys = set(state.value) if _kind(state) == 'dict' else None
    if kind == 'dtype':
        # A forged dtype state (fields, flags) corrupts memory later.
        if _atoms(state) != target.value.__reduce__()[2]:
            raise ValueError(f'a non-canonical state of dtype {target.value}')
    elif kind == 'ndarray':
        values = state.value if _kind(state) == 'tuple' else ()
        shape = _atoms(values[1]) if len(values) == 5 else None
        if not (shape is not None and _kind(values[2]) == 'dtype'
                and isinstance(values[4], bytes) and len(
                    values[4]) == math.prod(shape) * values[2].value.itemsize):
            raise ValueError('a numpy array whose shape does not match its '
                             'data')
        target.kind = 'array'
    elif kind == 'HistoryBuffer':
        statistics = state.value.get('statistics_methods') if keys else None
        if keys != _HISTORY_BUFFER_STATE or _kind(statistics) != 'dict' or any(
                _kind(item) != 'statistic' or item.value != name
                for name, item in statistics.value.items()):
            raise ValueError('a HistoryBuffer state mmengine does not write '
                             '(its keys or statistics methods differ)')
    elif not (kind == 'dict' and keys is not None and keys <= {'_metadata'}):
        raise ValueError(f'a BUILD of {kind} mmengine does not write')


def _persistent(pid, record_sizes: dict) -> _Item:
    """A tensor storage ``('storage', type, key, location, numel)``, which
    must fit in its record of the archive."""
    values = pid.value if _kind(pid) == 'tuple' else ()
    if [_kind(v)
            for v in values] != ['atom', 'global', 'atom', 'atom', 'atom']:
        raise ValueError('a persistent id that is not a tensor storage')
    key, numel = values[2], values[4]
    itemsize = _STORAGE_ITEMSIZES.get(values[1].value)
    size = record_sizes.get(f'data/{key}')
    if values[0] != 'storage' or itemsize is None or size is None or (
            not isinstance(numel, int)) or numel * itemsize > size:
        raise ValueError(f'storage {key!r} of {numel} elements, beyond '
                         'what the file holds')
    return _Item('storage')


def scan_pickle(data: bytes, record_sizes: dict) -> None:
    """Follow a checkpoint's pickle stream without running it and refuse
    anything mmengine and ``torch.save`` of a state dict do not write.

    Args:
        data (bytes): The archive's ``data.pkl``.
        record_sizes (dict): Sizes of the archive's records (``data/0``...)
            by name, which bound the tensor storages.

    Raises:
        ValueError: What the stream holds that a checkpoint does not.
    """
    stack, memo, marks, pos, end = [], {}, [], 0, len(data)
    push, unpack = stack.append, struct.unpack_from

    def pop_mark() -> list:
        start = marks.pop()
        items = stack[start:]
        del stack[start:]
        return items

    # pickletools.genops reads the same, at half the speed. The branches
    # are ordered by how often torch.save writes each opcode.
    name = None
    while name != 'STOP':
        if pos >= end:
            raise ValueError('a truncated pickle')
        name = _OPCODES.get(data[pos])
        pos += 1
        if name in _FIXED_ARGUMENTS:
            arg = _FIXED_ARGUMENTS[name].unpack_from(data, pos)[0]
            pos += _FIXED_ARGUMENTS[name].size
        elif name == 'BINUNICODE':
            size = unpack('<I', data, pos)[0]
            arg = data[pos + 4:pos + 4 + size].decode('utf-8')
            pos += 4 + size
        elif name == 'LONG1':
            arg = int.from_bytes(
                data[pos + 1:pos + 1 + data[pos]], 'little', signed=True)
            pos += 1 + data[pos]
        elif name == 'GLOBAL':  # "module\nname\n"
            stop = data.find(b'\n', data.find(b'\n', pos) + 1) + 1 or end
            arg = data[pos:stop - 1].decode('utf-8').replace('\n', ' ')
            pos = stop
        if name in _OPCODE_ATOMS:
            push(arg)
        elif name in ('BINPUT', 'LONG_BINPUT'):
            memo[arg] = stack[-1]
        elif name in ('BINGET', 'LONG_BINGET'):
            push(memo[arg])
        elif name == 'MARK':
            marks.append(len(stack))
        elif name in _OPCODE_TUPLE_SIZES or name == 'TUPLE':
            size = _OPCODE_TUPLE_SIZES.get(name)
            items = pop_mark() if size is None else stack[len(stack) - size:]
            if size:
                del stack[-size:]
            push(_container('tuple', items))
        elif name in _OPCODE_CONSTANTS:
            push(_OPCODE_CONSTANTS[name])
        elif name == 'REDUCE':
            args = stack.pop()
            if _kind(stack[-1]) != 'global':
                raise ValueError('a call of something that is not a global')
            stack[-1] = _reduce(stack[-1], args)
        elif name == 'BINPERSID':
            stack[-1] = _persistent(stack[-1], record_sizes)
        elif name in ('APPEND', 'APPENDS', 'SETITEM', 'SETITEMS'):
            items = pop_mark() if name.endswith(
                'S') else stack[-(1 if name == 'APPEND' else 2):]
            if not name.endswith('S'):
                del stack[-len(items):]
            target = stack[-1]
            if _kind(target) != ('list' if 'APPEND' in name else 'dict'):
                raise ValueError(f'{name} on a {_kind(target)}')
            if target.kind == 'list':
                target.value.extend(items)
            else:
                for key, value in zip(items[::2], items[1::2]):
                    target.value[id(key) if type(key) is
                                 _Item else key] = value
            target.depth = max(target.depth,
                               _container(target.kind, items).depth)
        elif name == 'EMPTY_DICT':
            push(_Item('dict', {}, 1))
        elif name == 'EMPTY_LIST':
            push(_Item('list', [], 1))
        elif name == 'GLOBAL':
            if arg not in _SCAN_GLOBALS:
                raise ValueError(f'the global {arg.replace(" ", ".")}')
            push(_Item('global', _SCAN_GLOBALS[arg]))
        elif name == 'BUILD':
            _build(stack[-2], stack.pop())
        elif name == 'NEWOBJ':
            args, cls = stack.pop(), stack.pop()
            if _kind(cls) != 'global' or cls.value != 'HistoryBuffer' or (
                    _atoms(args) != ()):
                raise ValueError('a new object of a class mmengine does not '
                                 'write')
            push(_Item('HistoryBuffer'))
        elif name not in ('PROTO', 'STOP'):
            raise ValueError(f'the pickle opcode {name or "(unknown)"}')


def _archive(path: str, data: bytes) -> Tuple[bytes, dict]:
    """The pickle of a torch.save archive and the sizes of its records."""
    if not data:
        raise CheckpointError(f'Cannot read checkpoint {path}: the file is '
                              'empty (0 bytes).')
    if not data.startswith(b'PK\x03\x04'):
        raise CheckpointError(
            f'{path} is not a PyTorch checkpoint: it does not start like '
            'the zip archive torch.save writes (a file of another kind, or '
            'torch\'s legacy format: load it with torch.load and save it '
            'again if you trust it).')
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            pickles = [
                i for i in infos
                if re.fullmatch(r'[^/]+/data\.pkl', i.filename)
            ]
            if len(pickles) != 1:
                raise zipfile.BadZipFile('it holds no single data.pkl')
            prefix = pickles[0].filename[:-len('data.pkl')]
            sizes = {
                i.filename[len(prefix):]: i.file_size
                for i in infos if i.filename.startswith(prefix)
            }
            return archive.read(pickles[0]), sizes
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise CheckpointError(
            f'Cannot read checkpoint {path}: it is truncated or damaged '
            f'({error}): its {len(data)} bytes are not a complete zip archive '
            'as torch.save writes. If a run was killed or ran out of disk '
            'space while writing it, use an earlier checkpoint of that run.'
        ) from error


def weights_digest(state_dict: dict) -> str:
    """SHA-256 of a state dict's keys, dtypes, shapes and tensor bytes."""
    digest = hashlib.sha256()
    for key in sorted(state_dict):
        tensor = state_dict[key]
        if isinstance(tensor, torch.Tensor):
            tensor = tensor.detach().cpu().contiguous().reshape(-1)
            digest.update(
                f'{key} {tensor.dtype} {tuple(state_dict[key].shape)}'
                '\n'.encode())
            digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def sidecar_path(path: str) -> str:
    """The ``sha256sum`` record (sidecar) of checkpoint ``path``."""
    return path + SIDECAR_SUFFIX


def _sidecar_digest(path: str):
    """The digest the sidecar of ``path`` records; None without one."""
    sidecar = sidecar_path(path)
    if not osp.isfile(sidecar):
        return None
    with open(sidecar, 'rb') as f:
        line = f.read(4096)
    match = re.fullmatch(rb'([0-9a-f]{64}) [ *](\S[^\n]*)\n?', line)
    if match is None:
        raise CheckpointError(
            f'the sidecar {sidecar} is not a sha256sum line ("<64 hex '
            f'digits>  {osp.basename(path)}"): it was damaged or replaced. '
            'Remove it to load the checkpoint unchecked, or write it again '
            f'with `sha256sum {osp.basename(path)} > {sidecar}` if you '
            'trust the checkpoint.')
    return match.group(1).decode()


def _matches_sidecar(path: str) -> bool:
    """Whether ``path`` has a sidecar and matches it."""
    try:
        recorded = _sidecar_digest(path)
        with open(path, 'rb') as f:
            return recorded == hashlib.sha256(f.read()).hexdigest()
    except (CheckpointError, OSError):
        return False


def _corrupted(path: str, where: str) -> CheckpointError:
    checked = [
        other for other in complete_checkpoints(osp.dirname(path))
        if osp.abspath(other) != osp.abspath(path) and _matches_sidecar(other)
    ]
    advice = (f'Use another checkpoint, e.g. {checked[0]} (it matches its '
              'sidecar).' if checked else 'Use another checkpoint of this '
              'model.')
    return CheckpointError(
        f'Checkpoint {path} does not match the SHA-256 digest recorded '
        f'{where} when it was written: it was corrupted or modified since. '
        f'{advice}')


def read_checkpoint(path: str, map_location='cpu') -> dict:
    """Read a checkpoint file once: check it against its sidecar, scan its
    pickle, load it with torch's weights-only unpickler and check the digest
    of its weights.

    Args:
        path (str): A local checkpoint file.
        map_location (str | callable): As in ``torch.load``. Defaults to
            ``'cpu'``.

    Returns:
        dict: The checkpoint.

    Raises:
        CheckpointError: The file is missing, unreadable or not a
            checkpoint, does not match a digest, or holds objects that
            mmengine and ``torch.save`` of a state dict do not write.
    """
    path = osp.expanduser(str(path))
    if osp.isdir(path):
        raise CheckpointError(f'Checkpoint {path} is a directory, not a '
                              'checkpoint file: give the path of a .pth file.')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as error:
        raise CheckpointError(f'Cannot read checkpoint {path}: '
                              f'{error.strerror}.') from error
    recorded = _sidecar_digest(path)
    if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
        raise _corrupted(path, f'in {sidecar_path(path)}')
    return load_checkpoint_bytes(path, data, map_location, recorded
                                 is not None)


def load_checkpoint_bytes(path: str,
                          data: bytes,
                          map_location='cpu',
                          has_sidecar: bool = False) -> dict:
    """Scan, load and check the bytes of a checkpoint (see
    :func:`read_checkpoint`).

    Args:
        path (str): The file's name, for messages.
        data (bytes): Its content.
        map_location (str | callable): As in ``torch.load``. Defaults to
            ``'cpu'``.
        has_sidecar (bool): Whether a sidecar checked ``data`` already.
            Defaults to False.

    Returns:
        dict: The checkpoint.
    """
    pickled, record_sizes = _archive(path, data)
    try:
        scan_pickle(pickled, record_sizes)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError,
            struct.error) as error:
        raise CheckpointError(
            f'Refused to load checkpoint {path}: its pickle holds {error}, '
            'which mmengine and torch.save of a state dict never write. See '
            'docs/checkpoints.md to load a file you trust.') from error
    try:
        checkpoint = torch.load(
            io.BytesIO(data), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's reason, without its advice to turn the protection off.
        reason = str(error).split('WeightsUnpickler error:', 1)[-1]
        raise CheckpointError(
            f'Refused to load checkpoint {path}: '
            f'{reason.split("Check the documentation", 1)[0].strip()}'
        ) from error
    except Exception as error:
        raise CheckpointError(f'Cannot read checkpoint {path}: it is damaged '
                              f'({type(error).__name__}: {error}).') from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'{path} holds a {type(checkpoint).__name__}, not a checkpoint '
            '(a dict with a "state_dict"). Give a .pth file written by '
            'tools/train.py or torch.save(model.state_dict(), path).')
    meta = checkpoint.get('meta')
    digest = meta.get(WEIGHTS_DIGEST_KEY) if isinstance(meta, dict) else None
    # A matching sidecar has checked every byte already.
    if digest is not None and not has_sidecar and digest != weights_digest(
            checkpoint.get('state_dict', {})):
        raise _corrupted(path, f'in its meta ({WEIGHTS_DIGEST_KEY})')
    if digest is None and not has_sidecar and path not in _UNCHECKED_SAID:
        _UNCHECKED_SAID.add(path)
        warnings.warn(
            f'Checkpoint {path} has neither a digest of its weights in its '
            f'meta nor a sidecar {sidecar_path(path)}: a damaged copy of it '
            'would go unnoticed.')
    return checkpoint


def load_from_local(filename: str, map_location=None) -> dict:
    """mmengine's loader of local files, replaced (mmengine logs the name
    after ``load_from_``)."""
    return read_checkpoint(filename, map_location)


def load_from_http(filename: str, map_location=None) -> dict:
    """mmengine's loader of ``http(s)://`` URLs, replaced: the file is
    downloaded to torch's hub cache once, then read as a local file."""
    cached = osp.join(torch.hub.get_dir(), 'checkpoints',
                      osp.basename(filename.split('?')[0]))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        torch.hub.download_url_to_file(filename, cached)
    if world_size > 1:
        barrier()
    return read_checkpoint(cached, map_location)


def load_from_unprotected(filename: str, map_location=None) -> dict:
    """The loader of mmengine's ``modelzoo://``, ``open-mmlab://``,
    ``pavi://``... names, which mmengine loads with ``weights_only=False``
    (or, on OneDL's mmengine, falls back to it): refuses them."""
    raise CheckpointError(
        f'Refused to load {filename}: mmengine loads such names without '
        'torch\'s weights-only protection. Give the https:// URL or the '
        'local path of the checkpoint instead.')


def load_from_ceph(filename: str, map_location=None) -> dict:
    """mmengine's loader of ``s3://`` and ``petrel://`` files, replaced:
    the bytes come from mmengine's petrel backend."""
    backend = get_file_backend(filename, backend_args=dict(backend='petrel'))
    return load_checkpoint_bytes(filename, backend.get(filename), map_location)


def allow_mmengine_checkpoints() -> None:
    """Allow-list exactly the globals mmengine writes into checkpoints, and
    make :func:`read_checkpoint` mmengine's loader of local files and URLs
    (its own loaders of URLs use ``weights_only=False``; OneDL's loader of
    local files falls back to it).

    The allow-list is a no-op before torch 2.6: ``torch.load`` there
    defaults to ``weights_only=False`` and ``add_safe_globals`` takes no
    names.
    """
    CheckpointLoader.register_scheme('', load_from_local, force=True)
    CheckpointLoader.register_scheme(('http://', 'https://'),
                                     load_from_http,
                                     force=True)
    CheckpointLoader.register_scheme((r'(\S+\:)?s3://', r'(\S+\:)?petrel://'),
                                     load_from_ceph,
                                     force=True)
    CheckpointLoader.register_scheme(
        ('modelzoo://', 'torchvision://', 'open-mmlab://', 'openmmlab://',
         'mmcls://', 'pavi://'),
        load_from_unprotected,
        force=True)
    if digit_version(torch.__version__) >= digit_version('2.6.0'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``: afterwards ``path`` holds all of it, and
    before, its old content (or nothing), even if the process is killed.
    The file gets the umask's permissions, as ``open`` gives.

    Args:
        path (str): The file to write.
        data (bytes): Its new content.

    Raises:
        OSError: The write failed (e.g. the disk is full); the error names
            ``path``, and no temporary file is left.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = osp.join(
        directory,
        f'.{osp.basename(path)}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}')
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except OSError as error:
        if osp.exists(partial):
            os.remove(partial)
        raise OSError(error.errno, error.strerror, path) from error
    if hasattr(os, 'O_DIRECTORY'):  # make the rename durable (POSIX)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_checkpoint(path: str, data: bytes) -> None:
    """Write checkpoint bytes atomically, then their sidecar beside them.

    An older sidecar of ``path`` goes first, so that no sidecar ever
    describes other bytes than the file under its name: after a kill the
    file is complete, with its own sidecar or, for a moment, with none.

    Args:
        path (str): The checkpoint's final name.
        data (bytes): The checkpoint, as ``torch.save`` wrote it.
    """
    digest = hashlib.sha256(data).hexdigest()
    if osp.exists(sidecar_path(path)):
        os.remove(sidecar_path(path))
    write_atomically(path, data)
    write_atomically(
        sidecar_path(path), f'{digest}  {osp.basename(path)}\n'.encode())


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


@register_backend('atomic_checkpoint')
class AtomicCheckpointBackend(LocalBackend):
    """mmengine's local file backend, writing checkpoints atomically with
    a sidecar beside each and removing the sidecar with its checkpoint.

    ``AtomicCheckpointHook`` makes the runner save through it (by its
    ``backend_args``).
    """

    def put(self, obj: bytes, filepath) -> None:
        write_checkpoint(str(filepath), obj)

    def remove(self, filepath) -> None:
        super().remove(filepath)
        if osp.isfile(sidecar_path(str(filepath))):
            os.remove(sidecar_path(str(filepath)))


# Keys shown per kind of difference, enough to recognise a model.
_NUM_KEYS_SHOWN = 3


@dataclass
class StateDictFit:
    """The comparison of a checkpoint's state dict with a model's: the
    model's keys it lacks, the keys the model lacks, ``(key, checkpoint
    shape, model shape)`` of those with other shapes, and how many of the
    model's tensors and elements load."""
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    loaded_elements: int = 0
    total_elements: int = 0
    loaded_tensors: int = 0
    total_tensors: int = 0

    @property
    def complete(self) -> bool:
        """Whether every tensor of each side loads into the other."""
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        """The differences in words, with a few keys of each kind."""
        parts = []
        if self.missing:
            parts.append(
                f'it lacks {len(self.missing)} of the model\'s '
                f'{self.total_tensors} tensors ({_some(self.missing)})')
        if self.unexpected:
            parts.append(f'it holds {_tensors(len(self.unexpected))} the '
                         f'model does not have ({_some(self.unexpected)})')
        if self.mismatched:
            shown = ', '.join(
                f'{key}: {tuple(ckpt)} in the checkpoint, {tuple(model)} in '
                'the model'
                for key, ckpt, model in self.mismatched[:_NUM_KEYS_SHOWN])
            parts.append(f'shapes differ for '
                         f'{_tensors(len(self.mismatched))} ({shown})')
        return '; '.join(parts)


def _tensors(count: int) -> str:
    return f'{count} tensor' + ('' if count == 1 else 's')


def _some(keys: List[str]) -> str:
    shown = ', '.join(keys[:_NUM_KEYS_SHOWN])
    return f'e.g. {shown}' if len(keys) > _NUM_KEYS_SHOWN else shown


def checkpoint_state_dict(checkpoint: dict) -> dict:
    """The weights of a checkpoint as mmengine's ``load_checkpoint`` takes
    them: its ``state_dict`` (or the dict itself), without the ``module.``
    prefix of models saved inside a DDP wrapper."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    return {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items()
    } if isinstance(state_dict, dict) else {}


def compare_state_dicts(model_state: dict,
                        checkpoint_state: dict) -> StateDictFit:
    """Compare the keys and shapes of two state dicts.

    Args:
        model_state (dict): ``model.state_dict()``.
        checkpoint_state (dict): The checkpoint's, see
            :func:`checkpoint_state_dict`.

    Returns:
        StateDictFit: What loads and what does not.
    """
    fit = StateDictFit(
        unexpected=sorted(set(checkpoint_state) - set(model_state)))
    for key, tensor in model_state.items():
        numel = tensor.numel() if isinstance(tensor, torch.Tensor) else 0
        fit.total_tensors += 1
        fit.total_elements += numel
        if key not in checkpoint_state:
            fit.missing.append(key)
            continue
        shape = getattr(checkpoint_state[key], 'shape', None)
        if isinstance(tensor, torch.Tensor) and shape != tensor.shape:
            fit.mismatched.append((key, tuple(shape or ()), tensor.shape))
            continue
        fit.loaded_tensors += 1
        fit.loaded_elements += numel
    return fit
