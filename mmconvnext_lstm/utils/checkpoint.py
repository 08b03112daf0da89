# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoint safety: the allow-list, the reader every loader goes through,
atomic writes, the fit to a model (docs/checkpoints.md)."""
import glob
import hashlib
import io
import math
import numbers
import os
import os.path as osp
import pickle
import pickletools
import re
import secrets
import struct
import warnings
import zipfile
from collections import OrderedDict
from functools import lru_cache

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version
from torch.storage import _get_dtype_from_pickle_storage_type as _storage_dtype

from .errors import CheckpointError

# Temporary files end in PARTIAL_SUFFIX, never in .pth.
SIDECAR_SUFFIX, PARTIAL_SUFFIX = '.sha256', '.partial'
WEIGHTS_DIGEST_KEY = 'state_dict_sha256'  # in the checkpoint's meta
MAX_DEPTH = 16  # of containers; mmengine's checkpoints are about 6 deep
# Items in a container, each shared reference counted again: what hashing,
# printing or comparing it visits (a real checkpoint: about its opcodes).
MAX_ITEMS = 10**7
# Bytes of tensors per byte of tensor data (tied weights view theirs twice).
MAX_VIEWS = 4
# Keys of the root module's load metadata (a state dict's ``_metadata['']``,
# which torch hands to ``_load_from_state_dict``): the file the weights came
# from, and whether a partial fit may load (fine-tuning).
LOADED_FROM, PARTIAL_LOAD = 'mmconvnext_lstm_file', 'mmconvnext_lstm_partial'

HistoryBuffer()  # registers mmengine's statistics (min, max, current, mean)
_UNCHECKED_SAID = set()  # files without digests, warned about once
# HistoryBuffer's own statistics (a user's are pickled as themselves).
_STATISTICS = {
    name: method
    for name, method in HistoryBuffer._statistics_methods.items()
    if vars(HistoryBuffer).get(name) is method
}
_HISTORY_BUFFER_STATE = {
    'max_length', '_log_history', '_count_history', 'statistics_methods'
}
# The dtypes mmengine's logs, metrics and meta hold.
_NUMPY_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
                 'uint32', 'uint64', 'float16', 'float32', 'float64')


def history_buffer_statistic(owner: type, name: str):
    """``getattr`` in a weights-only load: HistoryBuffer's statistics only."""
    if owner in (HistoryBuffer, LoadedHistoryBuffer) and name in _STATISTICS:
        return _STATISTICS[name]
    raise pickle.UnpicklingError(
        f'Refused getattr({owner!r}, {name!r}): mmconvnext_lstm allows '
        'getattr only for the statistics methods of mmengine\'s '
        f'HistoryBuffer ({sorted(_STATISTICS)}); load this file only if you '
        'trust it.')


class LoadedHistoryBuffer(HistoryBuffer):
    """``HistoryBuffer`` in a weights-only load: takes only mmengine's state
    (never the class-wide statistics table), then becomes a HistoryBuffer."""

    def __setstate__(self, state: dict) -> None:
        methods = isinstance(state, dict) and state.get('statistics_methods')
        if not isinstance(methods, dict) or any(
                _STATISTICS.get(name) is not method for name, method in
                methods.items()) or set(state) != _HISTORY_BUFFER_STATE:
            raise pickle.UnpicklingError(
                'Refused a HistoryBuffer state that mmengine does not write '
                '(its keys or statistics methods differ).')
        vars(self).update(state)
        del self.statistics_methods
        self.__class__ = HistoryBuffer


def checkpoint_safe_globals() -> list:
    """What :func:`allow_mmengine_checkpoints` adds to torch's allow-list."""
    # numpy 2 writes numpy._core.multiarray, numpy 1 wrote numpy.core.
    multiarray = (getattr(np, '_core', None) or np.core).multiarray
    return [(LoadedHistoryBuffer,
             'mmengine.logging.history_buffer.HistoryBuffer'),
            (history_buffer_statistic, 'builtins.getattr'),
            *[(getattr(multiarray, name), f'{package}.multiarray.{name}')
              for name in ('_reconstruct', 'scalar')
              for package in ('numpy.core', 'numpy._core')], np.ndarray,
            np.dtype, *[type(np.dtype(name)) for name in _NUMPY_DTYPES]]


class _Item:
    """What the scan knows of a global, container or object."""
    __slots__ = ('kind', 'value', 'depth', 'size')

    def __init__(self, kind: str, value=None, depth: int = 0, size: int = 1):
        self.kind, self.value, self.depth, self.size = kind, value, depth, size


# The globals the scan lets through, one item each, by the name a pickle
# gives them (and their kind). _rebuild_from_type_v2 rebuilds a tensor with
# attributes: torch.compile marks the parameters it traced.
_GLOBALS = {
    pickled: _Item('global', name)
    for pickled, name in (line.rsplit(' ', 1) for line in """\
numpy.core.multiarray _reconstruct _reconstruct
numpy._core.multiarray _reconstruct _reconstruct
numpy.core.multiarray scalar scalar
numpy._core.multiarray scalar scalar
numpy ndarray ndarray
numpy dtype dtype
mmengine.logging.history_buffer HistoryBuffer HistoryBuffer
builtins getattr getattr
__builtin__ getattr getattr
collections OrderedDict OrderedDict
collections Counter Counter
torch._utils _rebuild_tensor_v2 tensor
torch._tensor _rebuild_from_type_v2 tensor_with_attributes
torch Tensor Tensor
_codecs encode encode""".splitlines())
}
# torch.save's storages, with the bytes of an element as torch reads them.
_STORAGES = {
    _Item('global', name): _storage_dtype(name).itemsize
    for name in ('FloatStorage DoubleStorage HalfStorage BFloat16Storage '
                 'LongStorage IntStorage ShortStorage CharStorage ByteStorage '
                 'BoolStorage').split()
}
_STORAGES[_Item('global', 'UntypedStorage')] = 1
_GLOBALS.update({f'torch {item.value}': item for item in _STORAGES})
_TENSOR = _GLOBALS['torch._utils _rebuild_tensor_v2']
_ORDERED_DICT = _GLOBALS['collections OrderedDict']
_OPCODE_NAMES = {ord(o.code): o.name for o in pickletools.opcodes}
_U32 = struct.Struct('<I').unpack_from
_NUMBERS = {
    op: struct.Struct(f)  # BININT1, BININT2, BININT, BINFLOAT
    for op, f in [(0x4b, 'B'), (0x4d, '<H'), (0x4a, '<i'), (0x47, '>d')]
}
# SETITEMS, SETITEM, APPENDS, APPEND: the target and how many items.
_ADDS = dict(
    zip(b'usea', [('dict', None), ('dict', 2), ('list', None), ('list', 1)]))
_CONSTANTS = {ord('N'): None, 0x88: True, 0x89: False}
_TUPLE_SIZES = {ord(')'): 0, 0x85: 1, 0x86: 2, 0x87: 3, ord('t'): None}
_OPAQUE, _TENSOR_ITEM = _Item('opaque'), _Item('tensor', None, 2)
_RECORD_ITEMS = (_OPAQUE, ) * 5 + (_TENSOR_ITEM, )

# torch.save's record of a tensor after the BINGET of _rebuild_tensor_v2:
# MARK, the storage's persistent id (MARK, BINGETs of 'storage' and the
# storage type, its key, the BINGET of its location, numel, TUPLE),
# BINPERSID, offset, size and stride tuples, requires_grad, the BINGET of
# OrderedDict (hooks), TUPLE, REDUCE, with their memo puts. Memo keys are
# an index's bytes (1 after q/h, 4 after r/j; LONG_BINPUT only from 256
# on, as the pickler writes it), captured without the opcode, as is numel;
# a size or stride tuple is captured without its put (if any).
_PUT = rb'[qr]((?<=q).|(?<=r)(?!.\0\0\0).{4})'
_GET = rb'[hj]((?<=h).|(?<=j).{4})'
_INT = rb'(?:K.|M..|J.{4})'
_SHAPE = rb'(\)|\(%s*t|%s\x85|%s{2}\x86|%s{3}\x87)(?:%s)?' % (*[_INT] * 4,
                                                              _PUT)
_TENSOR_RECORD = re.compile(
    rb'\(\(%s%sX(.)\0\0\0(\d+)%s%s[KMJ]((?<=K).|(?<=M)..|(?<=J)...[\0-\x7f])'
    rb't%sQ%s%s%s[\x88\x89]%s\)R%st%sR%s' %
    (_GET, _GET, _PUT, _GET, _PUT, _INT, _SHAPE, _SHAPE, _GET, _PUT, _PUT,
     _PUT), re.S)


@lru_cache(maxsize=1024)
def _numel(size: bytes) -> int:
    """The elements of a tensor of a size tuple's opcodes; -1 if one of its
    dimensions is negative."""
    dims, pos = [], int(size[0] == 0x28)  # after a MARK
    while size[pos] in _NUMBERS:
        number = _NUMBERS[size[pos]]
        dims.append(number.unpack_from(size, pos + 1)[0])
        pos += 1 + number.size
    return math.prod(dims) if min(dims, default=0) >= 0 else -1


def _tensor_record(match, memo: dict, record_sizes: dict):
    """Apply a tensor record as its opcodes would: the tensor's bytes, or
    None (memo untouched) to go op by op. Its puts must be new to the memo
    (so that its BINGETs cannot see them); the scan refuses a BINGET of what
    torch.save never fetches (all but the storage key and the tensor)."""
    tag, kind, key_size, key, place, numel, view, hooks = match.group(
        1, 2, 3, 4, 6, 7, 9, 13)
    puts = match.group(5, 8, 10, 12, 14, 15, 16)
    get, key, view = memo.get, key.decode(), _numel(view)
    itemsize, size = _STORAGES.get(get(kind)), record_sizes.get(key)
    if None in (itemsize, size) or key_size[0] != len(key) or view < 0:
        return None
    if int.from_bytes(numel, 'little') * itemsize > size or get(
            tag) != 'storage' or type(
                get(place)) is not str or get(place) == 'meta':
        return None
    if get(hooks) is not _ORDERED_DICT or not memo.keys().isdisjoint(puts):
        return None
    memo.update(zip(puts, (key, *_RECORD_ITEMS)))
    memo.pop(None, None)  # the puts a size or stride may lack
    return view * itemsize


def _kind(value) -> str:
    return value.kind if type(value) is _Item else 'atom'


def _nest(items, size: int = 1) -> tuple:
    """The depth and size (``size`` plus the items, shared ones expanded)
    of a container of ``items``."""
    depth = 0
    for item in items:
        if type(item) is _Item:
            size += item.size
            if item.depth > depth:
                depth = item.depth
        else:
            size += 1
    depth += 1
    if depth > MAX_DEPTH:
        raise ValueError(f'containers nested {depth} deep (at most '
                         f'{MAX_DEPTH})')
    if size > MAX_ITEMS:
        raise ValueError(f'a container of {size} items, each shared '
                         f'reference counted (at most {MAX_ITEMS})')
    return depth, size


def _atoms(value) -> tuple:
    """The values of a tuple of at most 64 plain values (numpy's and torch's
    most dimensions); None for anything else."""
    if _kind(value) != 'tuple' or len(value.value) > 64 or any(
            type(v) is _Item for v in value.value):
        return None
    return tuple(value.value)


def _dims(value) -> tuple:
    """The sizes of a shape tuple (non-negative ints); None otherwise."""
    dims = _atoms(value)
    if dims is None or any(type(n) is not int or n < 0 for n in dims):
        return None
    return dims


def _reduce(func: _Item, args) -> object:
    """The result of ``func(*args)`` if mmengine writes such a call."""
    name = func.value
    # At most 7 arguments, as mmengine's calls: the checks below must not
    # cost a long tuple's length each time a pickle fetches it for a call.
    values = args.value if _kind(args) == 'tuple' and len(
        args.value) <= 7 else ()
    kinds, atoms = [_kind(v) for v in values], _atoms(args) or ()
    if name == 'OrderedDict' and _atoms(args) == ():
        return _Item('dict', {}, 1)
    if name == 'Counter' and kinds == ['dict']:  # never filled afterwards
        return _Item('Counter', None, values[0].depth, values[0].size)
    if name == 'tensor' and kinds[:1] == ['storage'] and len(values) in (6, 7):
        dims = _dims(values[2])
        if dims is None:
            raise ValueError('a tensor whose size is not a tuple of '
                             'non-negative ints')
        nbytes = math.prod(dims) * values[0].value
        return _Item('tensor', nbytes, _nest(values)[0])
    if name == 'tensor_with_attributes' and kinds == [
            'global', 'global', 'tuple', 'dict'
    ] and (values[0].value, values[1].value) == ('tensor', 'Tensor') and len(
            values[3].value) <= 16 and all(
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
        # A forged state (field table, flags) corrupts memory later.
        if _atoms(state) != target.value.__reduce__()[2]:
            raise ValueError(f'a non-canonical state of dtype {target.value}')
    elif kind == 'ndarray':
        values = state.value if _kind(state) == 'tuple' else ()
        shape = _dims(values[1]) if len(values) == 5 else None
        if not (shape is not None and _kind(values[2]) == 'dtype'
                and isinstance(values[4], bytes) and len(
                    values[4]) == math.prod(shape) * values[2].value.itemsize):
            raise ValueError('a numpy array whose shape does not match its '
                             'data')
        target.kind = 'array'
    elif kind == 'HistoryBuffer':
        get = state.value.get if keys == _HISTORY_BUFFER_STATE else {}.get
        methods = get('statistics_methods')
        kinds = (type(get('max_length')), _kind(get('_log_history')),
                 _kind(get('_count_history')), _kind(methods))
        if kinds != (int, 'array', 'array', 'dict') or any(
                _kind(item) != 'statistic' or item.value != name
                for name, item in methods.value.items()):
            raise ValueError('a HistoryBuffer state mmengine does not write '
                             '(its keys, types or statistics methods differ)')
        target.kind = 'history'
    elif not (kind == 'dict' and keys is not None and keys <= {'_metadata'}):
        raise ValueError(f'a BUILD of {kind} mmengine does not write')


def _scan(data: bytes, record_sizes: dict) -> None:
    """Follow a pickle's opcodes (most frequent first) without running them;
    raise ValueError on anything mmengine and torch.save do not write."""
    stack, memo, marks, pos, viewed = [], {}, [], 0, 0
    push, record = stack.append, _TENSOR_RECORD.match
    fetched = set()  # the ids of items fetched from the memo
    buffers, made = [], 0  # HistoryBuffers, what calls copied

    def pop(size) -> list:
        """The top ``size`` items, or those above the last MARK."""
        start = marks.pop() if size is None else len(stack) - size
        items = stack[start:]
        del stack[start:]
        return items

    while True:
        op = data[pos]
        pos += 1
        if op == 0x68 or op == 0x6a:  # BINGET, LONG_BINGET
            end = pos + (1 if op == 0x68 else 4)
            item, pos = memo[data[pos:end]], end
            if item is _TENSOR and (match := record(
                    data, pos)) and (nbytes := _tensor_record(
                        match, memo, record_sizes)) is not None:
                pos, item, viewed = match.end(), _TENSOR_ITEM, viewed + nbytes
            elif item is _OPAQUE:
                raise ValueError('a reference into a tensor record')
            elif type(item) is _Item:
                fetched.add(id(item))
            push(item)
        elif op == 0x72:  # LONG_BINPUT
            if data[pos + 1:pos + 4] == bytes(3):
                raise ValueError('a LONG_BINPUT of an index below 256')
            memo[data[pos:pos + 4]] = stack[-1]
            pos += 4
        elif op == 0x71:  # BINPUT
            memo[data[pos:pos + 1]] = stack[-1]
            pos += 1
        elif op in _NUMBERS:  # BININT1, BININT2, BININT, BINFLOAT
            push(_NUMBERS[op].unpack_from(data, pos)[0])
            pos += _NUMBERS[op].size
        elif op == 0x58:  # BINUNICODE
            end = pos + 4 + _U32(data, pos)[0]
            push(data[pos + 4:end].decode('utf-8'))
            pos = end
        elif op == 0x7d or op == 0x5d:  # EMPTY_DICT, EMPTY_LIST
            push(_Item('dict', {}, 1) if op == 0x7d else _Item('list', [], 1))
        elif op == 0x28:  # MARK
            marks.append(len(stack))
        elif op in _ADDS:  # SETITEMS, SETITEM, APPENDS, APPEND
            kind, items = _ADDS[op][0], pop(_ADDS[op][1])
            target = stack[-1]
            if _kind(target) != kind:
                raise ValueError(f'{_OPCODE_NAMES[op]} on a {_kind(target)}')
            if id(target) in fetched:  # its containers' sizes would not grow
                raise ValueError(f'{_OPCODE_NAMES[op]} on a {kind} fetched '
                                 'from the memo (torch.save fills a '
                                 'container before it refers to it)')
            if kind == 'list':
                target.value.extend(items)
            elif _Item in map(type, items[::2]):
                raise ValueError('a dict key that is a container or object')
            else:
                target.value.update(zip(items[::2], items[1::2]))
            depth, target.size = _nest(items, target.size)
            target.depth = max(target.depth, depth)
        elif op in _TUPLE_SIZES:  # TUPLE, EMPTY_TUPLE, TUPLE1-3
            items = pop(_TUPLE_SIZES[op])
            push(_Item('tuple', items, *_nest(items)))
        elif op in _CONSTANTS:
            push(_CONSTANTS[op])
        elif op == 0x52:  # REDUCE
            args = stack.pop()
            if _kind(stack[-1]) != 'global':
                raise ValueError('a call of something that is not a global')
            result = stack[-1] = _reduce(stack[-1], args)
            if _kind(result) == 'tensor':
                viewed += result.value
            elif type(result) is bytes or _kind(result) == 'Counter':
                # Copies of their argument: mmengine's are of one each, so
                # at most the pickle's size in all.
                made += len(result) if type(result) is bytes else result.size
                if made > len(data):
                    raise ValueError(f'calls that copy {made} bytes and items '
                                     f'from a pickle of {len(data)} bytes')
        elif op == 0x51:  # BINPERSID ('storage', type, key, location, numel)
            values = stack[-1].value if _kind(stack[-1]) == 'tuple' else ()
            if [_kind(v) for v in values] != ['atom', 'global'] + ['atom'] * 3:
                raise ValueError('a persistent id that is not a storage')
            key, numel = values[2], values[4]
            itemsize, size = _STORAGES.get(values[1]), record_sizes.get(key)
            if values[0] != 'storage' or itemsize is None or size is None or (
                    not isinstance(numel, int)) or numel * itemsize > size:
                raise ValueError(f'storage {key!r} of {numel} elements, '
                                 'beyond what the file holds')
            if values[3] == 'meta':
                raise ValueError('a tensor on the meta device (no data: the '
                                 'model would keep its initial weights)')
            stack[-1] = _Item('storage', itemsize)
        elif op == 0x8a:  # LONG1
            end = pos + 1 + data[pos]
            push(int.from_bytes(data[pos + 1:end], 'little', signed=True))
            pos = end
        elif op == 0x63:  # GLOBAL "module\nname\n"
            end = data.find(b'\n', data.find(b'\n', pos) + 1)
            name = data[pos:max(end, pos)].decode().replace('\n', ' ')
            pos = end + 1
            if name not in _GLOBALS:
                raise ValueError(f'the global {name.replace(" ", ".")}')
            push(_GLOBALS[name])
        elif op == 0x62:  # BUILD
            _build(stack[-2], stack.pop())
        elif op == 0x81:  # NEWOBJ of a HistoryBuffer
            args, cls = stack.pop(), stack.pop()
            if _kind(cls) != 'global' or cls.value != 'HistoryBuffer' or (
                    _atoms(args) != ()):
                raise ValueError('a new object of a class mmengine does not '
                                 'write')
            push(_Item('HistoryBuffer'))
            buffers.append(stack[-1])
        elif op == 0x80:  # PROTO
            pos += 1
        elif op == 0x2e:  # STOP
            if any(buffer.kind == 'HistoryBuffer' for buffer in buffers):
                raise ValueError('a HistoryBuffer without its state')
            data_bytes = sum(record_sizes.values())
            if viewed > MAX_VIEWS * data_bytes:
                raise ValueError(
                    f'tensors of {viewed} bytes, over {MAX_VIEWS} times the '
                    f'{data_bytes} bytes of tensor data in the file (views '
                    'that expand or repeat it)')
            return
        else:
            raise ValueError('the pickle opcode '
                             f'{_OPCODE_NAMES.get(op, "(unknown)")}')


def scan_checkpoint(path: str, data: bytes) -> None:
    """Refuse checkpoint bytes that are not a torch.save archive or whose
    pickle holds what mmengine and torch.save do not write."""
    if not data:
        raise CheckpointError(f'Cannot read checkpoint {path}: the file is '
                              'empty (0 bytes).')
    if not data.startswith(b'PK\x03\x04'):
        raise CheckpointError(
            f'{path} is not a PyTorch checkpoint: it does not start like '
            'the zip archive torch.save writes (torch\'s legacy format, if '
            'you trust it: load it with torch.load and save it again).')
    try:
        archive = torch._C.PyTorchFileReader(io.BytesIO(data))
        record_size = getattr(archive, 'get_record_size', None)
        if record_size is None:  # older torch (2.11): from the zip directory
            record_size = {
                info.filename.split('/', 1)[-1]: info.file_size
                for info in zipfile.ZipFile(io.BytesIO(data)).infolist()
            }.__getitem__
        sizes = {name: record_size(name) for name in archive.get_all_records()}
        # Compressed records (torch.save stores them) would decompress to
        # what the file says, before any check.
        if sum(sizes.values()) > len(data):
            raise CheckpointError(
                f'Refused to load checkpoint {path}: its records unpack to '
                f'{sum(sizes.values())} bytes, more than the file\'s '
                f'{len(data)} (compressed records, which torch.save never '
                'writes).')
        pickled = archive.get_record('data.pkl')
    except (RuntimeError, KeyError, zipfile.BadZipFile) as error:
        reason = str(error).split('. ')[0].split(': ')[-1]
        raise CheckpointError(
            f'Cannot read checkpoint {path}: it is truncated or damaged '
            f'({reason}). If a run was killed or ran out of disk space while '
            'writing it, use an earlier checkpoint of that run.') from error
    storages = {
        name[5:]: size
        for name, size in sizes.items() if name.startswith('data/')
    }
    try:
        _scan(pickled, storages)
    except (ValueError, IndexError, KeyError, TypeError, AttributeError,
            OverflowError, struct.error) as error:
        reason = error if isinstance(error, ValueError) else (
            f'a malformed pickle ({type(error).__name__}: {error})')
        raise CheckpointError(
            f'Refused to load checkpoint {path}: its pickle holds {reason}, '
            'which mmengine and torch.save never write (to load a file you '
            'trust, see docs/checkpoints.md).') from error


def weights_digest(state_dict: dict) -> str:
    """SHA-256 of a state dict's keys, dtypes, shapes and tensor bytes."""
    digest = hashlib.sha256()
    for key in sorted(state_dict):
        tensor = state_dict[key]
        if isinstance(tensor, torch.Tensor):
            digest.update(
                f'{key} {tensor.dtype} {tuple(tensor.shape)}\n'.encode())
            tensor = tensor.detach().cpu().contiguous().reshape(-1)
            digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _sidecar_digest(path: str):
    """The digest the sidecar of ``path`` records; None without one."""
    sidecar = path + SIDECAR_SUFFIX
    if not osp.isfile(sidecar):
        return None
    with open(sidecar, 'rb') as f:
        match = re.fullmatch(rb'([0-9a-f]{64}) [ *](\S[^\n]*)\n?',
                             f.read(4096))
    if match is None:
        raise CheckpointError(
            f'the sidecar {sidecar} is not a sha256sum line: it was damaged '
            'or replaced. Remove it to load the checkpoint unchecked, or if '
            f'you trust the checkpoint, run `sha256sum {osp.basename(path)} '
            f'> {sidecar}`.')
    return match.group(1).decode()


def _corrupted(path: str, where: str) -> CheckpointError:
    """The refusal of a digest mismatch, advising only a checked file."""

    def checked(other: str) -> bool:
        try:
            recorded = osp.abspath(other) != osp.abspath(path) and (
                _sidecar_digest(other))
            if not recorded:  # read only the files that have a sidecar
                return False
            with open(other, 'rb') as f:
                return hashlib.sha256(f.read()).hexdigest() == recorded
        except (CheckpointError, OSError):
            return False

    other = next(
        filter(checked, complete_checkpoints(osp.dirname(path))), None)
    return CheckpointError(
        f'Checkpoint {path} does not match the SHA-256 digest recorded '
        f'{where} when it was written: it was corrupted or modified since. '
        'Use another checkpoint, ' + (f'e.g. {other} (it matches its sidecar).'
                                      if other else 'of this model.'))


def _is_count(value) -> bool:
    return isinstance(value, numbers.Integral) and value >= 0


def _is_dataset_meta(value) -> bool:
    classes = value.get('classes', ()) if isinstance(value, dict) else None
    return isinstance(classes, (list, tuple)) and all(
        isinstance(name, str) for name in classes)


# What the meta values that mmengine's resume and mmpretrain's inferencers
# use must be, in words: they would fail on anything else, deep inside.
_META_VALUES = {
    'seed': (lambda v: v is None or _is_count(v) and v < 2**32,
             'None or an int from 0 to 2**32 - 1'),
    'epoch': (_is_count, 'an int of at least 0'),
    'iter': (_is_count, 'an int of at least 0'),
    'dataset_meta':
    (_is_dataset_meta, 'a dict whose classes are a list of names'),
}


def read_checkpoint(path: str, map_location='cpu') -> dict:
    """Read a checkpoint: check its sidecar, scan its pickle, load it
    weights-only (never falling back), check the digest of its weights.

    Args:
        path (str): A local checkpoint file.
        map_location (str | callable): As in ``torch.load``. Defaults to
            ``'cpu'``.

    Returns:
        dict: The checkpoint.
    """
    path = osp.expanduser(str(path))
    if osp.exists(path) and not osp.isfile(path):  # reading it may not end
        what = 'a directory' if osp.isdir(path) else 'not a regular file'
        raise CheckpointError(f'Checkpoint {path} is {what}, not a '
                              'checkpoint file: give the path of a .pth file.')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as error:
        raise CheckpointError(f'Cannot read checkpoint {path}: '
                              f'{error.strerror}.') from error
    recorded = _sidecar_digest(path)
    if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
        raise _corrupted(path, f'in {path}{SIDECAR_SUFFIX}')
    scan_checkpoint(path, data)
    try:
        checkpoint = torch.load(
            io.BytesIO(data), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's reason, without its advice to turn the protection off.
        reason = str(error).split('WeightsUnpickler error:', 1)[-1]
        reason = reason.split('Check the documentation', 1)[0].strip()
        raise CheckpointError(
            f'Refused to load checkpoint {path}: {reason}') from error
    except Exception as error:
        raise CheckpointError(f'Cannot read checkpoint {path}: it is damaged '
                              f'({type(error).__name__}: {error}).') from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'{path} holds a {type(checkpoint).__name__}, not a checkpoint '
            '(a dict): give a .pth file written by tools/train.py or '
            'torch.save(model.state_dict(), path).')
    weights = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(weights, '_metadata', {})
    named = isinstance(weights, dict) and all(
        isinstance(key, str) for key in weights)
    if not (named and isinstance(metadata, dict)
            and all(isinstance(module, dict) for module in metadata.values())):
        raise CheckpointError(
            f'Refused to load checkpoint {path}: its weights are not a state '
            'dict as torch.save writes one (tensors by name, and a dict of '
            'load metadata per module).')
    meta = checkpoint.get('meta')
    for key, (valid, what) in _META_VALUES.items():
        if isinstance(meta, dict) and key in meta and not valid(meta[key]):
            raise CheckpointError(
                f'Refused to load checkpoint {path}: its meta[{key!r}] is '
                f'{meta[key]!r:.80}, not {what}, as mmengine writes it.')
    digest = meta.get(WEIGHTS_DIGEST_KEY) if isinstance(meta, dict) else None
    if recorded is None and digest is not None and digest != weights_digest(
            checkpoint.get('state_dict', {})):
        raise _corrupted(path, f'in its meta ({WEIGHTS_DIGEST_KEY})')
    if recorded is None and digest is None and path not in _UNCHECKED_SAID:
        _UNCHECKED_SAID.add(path)
        warnings.warn(
            f'Checkpoint {path} has neither a digest of its weights in its '
            f'meta nor a sidecar {path}{SIDECAR_SUFFIX}: a damaged copy of it '
            'would go unnoticed.')
    if isinstance(meta, dict) and 'config' in meta:
        # mmengine writes its config as meta['cfg']; its resume runs a
        # meta['config'] text as a Python config file.
        del meta['config']
        warnings.warn(f'Ignored meta[\'config\'] of checkpoint {path}: '
                      'mmengine\'s resume would run it as Python code.')
    metadata = load_metadata(checkpoint)
    metadata.pop(PARTIAL_LOAD, None)  # only this package's hooks set it
    metadata[LOADED_FROM] = path
    return checkpoint


def load_metadata(checkpoint: dict) -> dict:
    """The root module's load metadata of a checkpoint's weights, added
    where missing (weights that are a plain dict and the checkpoint itself
    cannot carry it: then a dict of their own)."""
    if type(checkpoint.get('state_dict')) is dict:
        checkpoint['state_dict'] = OrderedDict(checkpoint['state_dict'])
    weights = checkpoint.get('state_dict', checkpoint)
    if not isinstance(getattr(weights, '_metadata', None), dict):
        try:
            weights._metadata = OrderedDict()
        except AttributeError:
            return {}
    return weights._metadata.setdefault('', {})


def _load_from_http(filename: str, map_location=None) -> dict:
    """Download an ``http(s)://`` checkpoint to torch's hub cache once."""
    cached = osp.join(torch.hub.get_dir(), 'checkpoints',
                      osp.basename(filename.split('?')[0]))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        torch.hub.download_url_to_file(filename, cached)
    if world_size > 1:
        barrier()
    return read_checkpoint(cached, map_location)


def _refuse_unprotected(filename: str, map_location=None) -> dict:
    """Refuse names mmengine loads without the weights-only protection."""
    raise CheckpointError(
        f'Refused to load {filename}: mmengine loads such names without '
        'torch\'s weights-only protection. Give the https:// URL or a local '
        'path of the checkpoint instead (copy remote files first).')


def allow_mmengine_checkpoints() -> None:
    """Allow-list what mmengine writes (torch 2.6 and later) and make
    :func:`read_checkpoint` mmengine's loader of files and URLs."""
    for prefixes, loader in [
        ('', read_checkpoint),
        (('http://', 'https://'), _load_from_http),
        (('modelzoo://', 'torchvision://', 'open-mmlab://', 'openmmlab://',
          'mmcls://', 'pavi://', r'(\S+\:)?s3://', r'(\S+\:)?petrel://'),
         _refuse_unprotected),
    ]:
        CheckpointLoader.register_scheme(prefixes, loader, force=True)
    if digit_version(torch.__version__) >= digit_version('2.6.0'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it holds all of it or its old
    content, even if killed; an OSError names ``path`` and leaves no
    temporary file."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = osp.join(
        directory,
        f'.{osp.basename(path)}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}')
    try:
        with open(partial, 'xb') as f:  # the umask's mode, as mmengine's
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except OSError as error:
        if osp.exists(partial):
            os.remove(partial)
        raise OSError(error.errno, error.strerror, path) from error
    fd = os.open(directory, os.O_RDONLY)  # make the rename durable
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(path: str, data: bytes) -> None:
    """Write checkpoint bytes, then their sidecar (an older one first goes)."""
    sidecar = path + SIDECAR_SUFFIX
    if osp.exists(sidecar):
        os.remove(sidecar)
    write_atomically(path, data)
    write_atomically(
        sidecar,
        f'{hashlib.sha256(data).hexdigest()}  {osp.basename(path)}\n'.encode())


def complete_checkpoints(directory: str) -> list:
    """The ``.pth`` files in ``directory``, newest first."""
    found = glob.glob(osp.join(glob.escape(directory), '*.pth'))
    return sorted(found, key=osp.getmtime, reverse=True)


@register_backend('atomic_checkpoint')
class AtomicCheckpointBackend(LocalBackend):
    """mmengine's local backend, writing checkpoints atomically with their
    sidecars (``AtomicCheckpointHook`` sets it as ``backend_args``)."""

    def put(self, obj: bytes, filepath) -> None:
        write_checkpoint(str(filepath), obj)

    def remove(self, filepath) -> None:
        super().remove(filepath)
        if osp.isfile(f'{filepath}{SIDECAR_SUFFIX}'):
            os.remove(f'{filepath}{SIDECAR_SUFFIX}')


def check_fit(path: str,
              checkpoint: dict,
              model_state: dict,
              partial: bool = False) -> str:
    """Refuse a checkpoint whose weights do not fit a model: missing,
    unexpected or reshaped tensors (without DDP's ``module.`` prefix).

    Args:
        path (str): The checkpoint's name, for messages.
        checkpoint (dict): The checkpoint, as :func:`read_checkpoint` gives.
        model_state (dict): The state dict of the model it loads into.
        partial (bool): Whether a partial fit loads on purpose (fine-tuning).
            Defaults to False.

    Returns:
        str: What loads, in words (a warning if partial).
    """
    weights = checkpoint.get('state_dict', checkpoint)
    shapes = {
        re.sub(r'^module\.', '', k): getattr(v, 'shape', None)
        for k, v in (weights.items() if isinstance(weights, dict) else ())
    }
    missing = [key for key in model_state if key not in shapes]
    unexpected = sorted(set(shapes) - set(model_state))
    reshaped = [
        key for key, tensor in model_state.items() if key in shapes
        and isinstance(tensor, torch.Tensor) and shapes[key] != tensor.shape
    ]
    loads = [k for k in model_state if k in shapes and k not in reshaped]

    def tensors(keys: list) -> str:
        return f'{len(keys)} tensor' + ('' if len(keys) == 1 else 's')

    differences = '; '.join(
        f'{what} ({"e.g. " if len(keys) > 3 else ""}{", ".join(keys[:3])})'
        for what, keys in [
            (f'it lacks {len(missing)} of the model\'s {len(model_state)} '
             'tensors', missing),
            (f'it holds {tensors(unexpected)} the model does not have',
             unexpected),
            (f'shapes differ for {tensors(reshaped)}', [
                f'{key}: {tuple(shapes[key] or ())} in the checkpoint, '
                f'{tuple(model_state[key].shape)} in the model'
                for key in reshaped
            ]),
        ] if keys)
    if not loads:
        raise CheckpointError(
            f'Checkpoint {path} holds none of the weights of the model of '
            f'this config ({differences}). It is another model\'s '
            'checkpoint, or not a model checkpoint: use the config it was '
            'trained with.')
    if not differences:
        return (f'Checkpoint {path} fits the model: all {len(model_state)} '
                'tensors load.')
    if partial:
        numel = {k: getattr(v, 'numel', int)() for k, v in model_state.items()}
        share = sum(numel[k] for k in loads) / sum(numel.values())
        return (f'load_from: only {share:.1%} of the model\'s weights '
                f'({len(loads)} of {len(model_state)} tensors) load from '
                f'{path}; the rest keep their initial values: {differences}.')
    experiment = (checkpoint.get('meta') or {}).get('experiment_name')
    raise CheckpointError(
        f'Checkpoint {path} does not fit the model of this config: '
        f'{differences}. It is most likely another model\'s checkpoint' +
        (f' (written by experiment {experiment})' if experiment else '') +
        ': use the config it was trained with, or a checkpoint of this '
        'model.')
