# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoints crafted to attack a loader, written opcode by opcode
(pickle protocol 2, as torch.save writes) or as torch.save's pickle with a
few bytes changed, for tests that they are refused.

Each attack is a pickle that :func:`write_archive` puts into a torch.save
zip archive in place of its ``data.pkl``.
"""
import io
import pickletools
import re
import struct
import zipfile

import numpy as np
import torch

HISTORY_BUFFER = b'cmmengine.logging.history_buffer\nHistoryBuffer\n'
GETATTR = b'cbuiltins\ngetattr\n'
PROTO, STOP = b'\x80\x02', b'.'
TUPLE1, TUPLE2, REDUCE, BUILD = b'\x85', b'\x86', b'R', b'b'


def text(value: str) -> bytes:
    data = value.encode()
    return b'X' + struct.pack('<I', len(data)) + data  # BINUNICODE


def number(value: int) -> bytes:
    data = value.to_bytes(8, 'little', signed=True)
    return b'\x8a\x08' + data  # LONG1


def call(function: bytes, *args: bytes) -> bytes:
    """``function(*args)``: MARK, the arguments, TUPLE, REDUCE."""
    return function + b'(' + b''.join(args) + b't' + REDUCE


def _getattr(obj: bytes, name: str) -> bytes:
    return call(GETATTR, obj, text(name))


def getattr_chain(marker: str, start: str) -> bytes:
    """Writes ``marker`` where ``builtins.getattr`` is allow-listed.

    The pickle reaches a function's ``__globals__`` through ``getattr``,
    rebinds ``len`` there to ``exec`` (fetched through
    ``getattr.__self__``, the builtins module) and then calls
    HistoryBuffer, whose ``__init__`` calls ``len(log_history)``.

    Args:
        marker (str): File the payload writes.
        start (str): The HistoryBuffer attribute whose ``__globals__`` it
            reaches: ``'__init__'``, or ``'min'`` (a statistics method, the
            kind mmengine's own checkpoints name).
    """
    module_globals = _getattr(_getattr(HISTORY_BUFFER, start), '__globals__')
    builtins_exec = _getattr(_getattr(GETATTR, '__self__'), 'exec')
    code = f'open({marker!r}, "w").write("code ran")'
    return (PROTO + module_globals + text('len') + builtins_exec + b's' +
            call(HISTORY_BUFFER, text(code), text('0')) + STOP)


def os_system(marker: str) -> bytes:
    """``os.system('touch marker')``: runs wherever a loader falls back to
    ``weights_only=False``."""
    return PROTO + call(b'cos\nsystem\n', text(f'touch {marker}')) + STOP


def tuple_bomb(depth: int = 60) -> bytes:
    """A dict keyed by nested tuples ``t = (t, t)``, shared through the memo:
    hashing the key takes ``2 ** depth`` steps (only tuples and None)."""
    stream = PROTO + b'}Nq\x00'  # EMPTY_DICT, NONE, BINPUT 0
    for level in range(depth):
        # BINGET the level below beside itself, TUPLE2, BINPUT.
        stream += b'h' + bytes([level]) + TUPLE2 + b'q' + bytes([level + 1])
    return stream + b'Ns' + STOP  # the value, SETITEM


def shared_tuples(depth: int = 8, width: int = 100) -> bytes:
    """``{'a': t}`` with ``t`` nested tuples of ``width`` references to the
    level below, shared through the memo: printing or comparing ``t`` visits
    ``width ** depth`` items, hashing it as a key as many."""
    stream = PROTO + b'}' + text('a') + b'(' * depth + b'Nq\x00'
    for level in range(depth):
        # MARK (written above), the level below, BINGETs of it, TUPLE, BINPUT.
        stream += (b'h' + bytes([level])) * (width - 1) + b'tq' + bytes(
            [level + 1])
    return stream + b's' + STOP  # SETITEM


def tuple_key() -> bytes:
    """``{(1, 2): None}``: mmengine's keys are strings and numbers."""
    return PROTO + b'}K\x01K\x02\x86Ns' + STOP


def filled_after_reference(depth: int = 40) -> bytes:
    """Dicts nested ``depth`` deep by filling each one after its parent
    holds it (fetched back from the memo): depth counted when a container
    is nested would stay at 2."""
    stream = PROTO + b'}q\x00'
    for level in range(depth):
        # BINGET the innermost dict, a key, a new dict, BINPUT, SETITEM.
        stream += b'h' + bytes([level]) + text('a') + b'}q' + bytes(
            [level + 1]) + b's'
    return stream + STOP


def huge_bytearray(size: int = 4 * 10**9) -> bytes:
    """``bytearray(size)``: torch's weights-only loader allows bytearray,
    and the file decides its size."""
    return PROTO + call(b'cbuiltins\nbytearray\n', number(size)) + STOP


def huge_storage(numel: int = 10**9) -> bytes:
    """A tensor storage of ``numel`` floats whose record holds 4 bytes."""
    pid = (b'(' + text('storage') + b'ctorch\nFloatStorage\n' + text('0') +
           text('cpu') + number(numel) + b't')
    return PROTO + pid + b'Q' + STOP  # BINPERSID


def forged_dtype() -> bytes:
    """A float64 dtype whose BUILD state forges a field table and the
    object flag: numpy then reads the array's bytes as object pointers."""
    dtype = call(b'cnumpy\ndtype\n', text('f8'), b'\x89', b'\x88')
    base = dtype + b'(' + number(3) + text('<') + b'NNN' + number(-1) + (
        number(-1) + number(63) + b't' + BUILD)
    forged = dtype + b'(' + number(3) + text('<') + b'N(' + text('a') + (
        b't}' + text('a') + base + number(0) + TUPLE2 + b's' + number(8) +
        number(1) + number(1) + b't' + BUILD)
    latin1 = text('latin1')
    array = call(b'cnumpy._core.multiarray\n_reconstruct\n',
                 b'cnumpy\nndarray\n',
                 number(0) + TUPLE1,
                 call(b'c_codecs\nencode\n', text('b'), latin1))
    state = b'(' + number(1) + number(1) + TUPLE1 + forged + b'\x89' + call(
        b'c_codecs\nencode\n', text('A' * 8), latin1) + b't'
    return PROTO + array + state + BUILD + STOP


def forged_dtype_in_runtime_info() -> bytes:
    """A checkpoint whose message hub's runtime info holds the forged dtype's
    array (as in a real checkpoint, beside its weights)."""
    pickled = state_dict_pickle(
        TEMPLATE, message_hub={'runtime_info': {
            'x': 'PLACEHOLDER'
        }})
    assert pickled.count(text('PLACEHOLDER')) == 1
    # The array's opcodes (no memo use) in place of the string.
    return pickled.replace(text('PLACEHOLDER'), forged_dtype()[2:-1])


def poisoned_history_buffer(method: str = 'min') -> bytes:
    """A HistoryBuffer whose state maps ``mean`` to ``HistoryBuffer.min``:
    mmengine's ``__setstate__`` writes it into the class-wide table. (With
    ``method='mean'``, only its histories are wrong: lists, not arrays.)"""
    state = b'}(' + text('max_length') + number(10) + (
        text('_log_history') + b']' + text('_count_history') + b']' +
        text('statistics_methods') + b'}' + text('mean') +
        _getattr(HISTORY_BUFFER, method) + b's' + b'u')
    return PROTO + HISTORY_BUFFER + b')\x81' + state + BUILD + STOP


TEMPLATE = {'a': torch.zeros(3), 'b': torch.zeros(7)}


def state_dict_pickle(state_dict: dict, **extra) -> bytes:
    """The ``data.pkl`` torch.save writes for ``{'state_dict': ...}``."""
    buffer = io.BytesIO()
    torch.save({'state_dict': state_dict, **extra}, buffer)
    with zipfile.ZipFile(buffer) as archive:
        name = next(n for n in archive.namelist() if n.endswith('/data.pkl'))
        return archive.read(name)


def enlarged_storage() -> bytes:
    """A state dict of tensors of 3 and 7 floats whose second storage claims
    2**28 elements: the one-step match of the record declines it, and the
    opcodes refuse it."""
    pickled = state_dict_pickle(TEMPLATE)
    assert pickled.count(b'K\x07t') == 1  # the numel in b's storage id
    return pickled.replace(b'K\x07t', b'J\x00\x00\x00\x10t')


def expanded_tensor() -> bytes:
    """A tensor of 10**10 floats viewing the 3 floats of storage '0' with
    stride 0: torch loads the view, and copying it (as a digest of the
    weights does) allocates 40 GB."""
    return state_dict_pickle(
        {'a': torch.zeros(3).expand(10**5, 10**5, 3)[:, :, 0]})


def repeated_views(views: int = 100) -> bytes:
    """``views`` tensors of storage '0' (3 floats) whole: each copy or
    digest of them reads the storage again."""
    base = torch.zeros(3)
    return state_dict_pickle({f'v{i}': base.view(3) for i in range(views)})


def long_tensor_arguments(extra: int = 2) -> bytes:
    """The first tensor rebuilt with ``extra`` arguments more than the 6 of
    torch.save: a long tuple fetched back for many calls would cost its
    length at each one."""
    pickled = state_dict_pickle(TEMPLATE)
    hooks = re.search(rb'OrderedDict\nq.\)Rq.t', pickled).end() - 1
    return pickled[:hooks] + b'K\x00' * extra + pickled[hooks:]


def many_dims_array(dims: int = 100) -> bytes:
    """A numpy array of shape ``(1, ) * dims`` in the meta (numpy allows at
    most 64 dimensions)."""
    pickled = state_dict_pickle(TEMPLATE, meta={'x': np.zeros((1, 1, 1))})
    assert pickled.count(b'K\x01K\x01K\x01\x87') == 1  # the shape
    return pickled.replace(b'K\x01K\x01K\x01\x87',
                           b'(' + b'K\x01' * dims + b't')


def string_shape() -> bytes:
    """A numpy array of shape ``('a', 2**40)``: multiplying the shape out
    would build a string of a terabyte."""
    pickled = state_dict_pickle(TEMPLATE, meta={'x': np.zeros((1, 1, 1))})
    return pickled.replace(b'K\x01K\x01K\x01\x87',
                           text('a') + number(2**40) + TUPLE2)


def repeated_calls(function: bytes, arguments: bytes, calls: int = 300):
    """``calls`` calls of ``function`` (a GLOBAL) with the tuple
    ``arguments``, both fetched from the memo for each call."""
    return PROTO + b'(' + function + b'q\x00' + arguments + b'q\x01' + (
        b'h\x00h\x01' + REDUCE) * calls + b'l' + STOP  # a LIST of results


def counter_copies() -> bytes:
    """``Counter(d)`` 300 times on one dict of 1000 items: each copies it."""
    items = b''.join(number(i) + number(1) for i in range(1000))
    return repeated_calls(b'ccollections\nCounter\n',
                          b'}(' + items + b'u' + TUPLE1)


def encode_copies() -> bytes:
    """``_codecs.encode(s, 'latin1')`` 300 times on one 10 KB string."""
    return repeated_calls(b'c_codecs\nencode\n',
                          text('a' * 10**4) + text('latin1') + TUPLE2)


def meta_location() -> bytes:
    """The state dict's tensors on the meta device, which has no data."""
    pickled = state_dict_pickle(TEMPLATE)
    assert pickled.count(text('cpu')) == 1  # the second fetches it
    return pickled.replace(text('cpu'), text('meta'))


def reference_into_tensor_record() -> bytes:
    """A state dict whose value ``c`` fetches (BINGET) the size tuple of
    tensor ``b`` from the memo, which torch.save never does."""
    pickled = state_dict_pickle({
        'a': torch.zeros(3),
        'b': torch.zeros(5),
        'c': 0
    })
    ops = list(pickletools.genops(pickled))
    # (5,): BININT1 5, TUPLE1, BINPUT index.
    index = next(ops[i + 2][1] for i in range(len(ops) - 2)
                 if ops[i][0].name == 'BININT1' and ops[i][1] == 5
                 and ops[i + 1][0].name == 'TUPLE1')
    value = re.search(rb'X\x01\x00\x00\x00cq.K\x00', pickled).end() - 2
    return pickled[:value] + b'h' + bytes([index]) + pickled[value + 2:]


def aliased_memo_index() -> bytes:
    """Memo index 5 put as LONG_BINPUT and as BINPUT, then fetched by
    LONG_BINGET: a scan that told the two forms apart would see the first
    value where the unpickler sees the second."""
    return PROTO + b'Nr\x05\x00\x00\x00\x88q\x05j\x05\x00\x00\x00' + STOP


def write_archive(path: str, pickled: bytes) -> str:
    """A torch.save zip archive whose pickle is ``pickled``, with the tensor
    records of :data:`TEMPLATE` (3 and 7 floats)."""
    buffer = io.BytesIO()
    torch.save({'state_dict': TEMPLATE}, buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path,
                                                            'w') as crafted:
        for info in source.infolist():
            data = (
                pickled
                if info.filename.endswith('/data.pkl') else source.read(info))
            crafted.writestr(info.filename, data)
    return str(path)


# name: (pickle, the reason read_checkpoint gives)
ATTACKS = {
    'getattr_chain': (lambda tmp: getattr_chain(f'{tmp}/code_ran', 'min'),
                      'a call of getattr with arguments'),
    'os_system': (lambda tmp: os_system(f'{tmp}/code_ran'),
                  'the global os.system'),
    'tuple_bomb': (lambda tmp: tuple_bomb(), 'containers nested 17 deep'),
    'shared_tuples': (lambda tmp: shared_tuples(),
                      'a container of 101010101 items, each shared'),
    'tuple_key': (lambda tmp: tuple_key(),
                  'a dict key that is a container or object'),
    'filled_after_reference': (lambda tmp: filled_after_reference(),
                               'SETITEM on a dict fetched from the memo'),
    'huge_bytearray': (lambda tmp: huge_bytearray(),
                       'the global builtins.bytearray'),
    'huge_storage': (lambda tmp: huge_storage(),
                     "storage '0' of 1000000000 elements, beyond"),
    'forged_dtype': (lambda tmp: forged_dtype(),
                     'a non-canonical state of dtype float64'),
    'poisoned_history_buffer': (lambda tmp: poisoned_history_buffer(),
                                'a HistoryBuffer state mmengine does not'),
    'forged_dtype_in_runtime_info':
    (lambda tmp: forged_dtype_in_runtime_info(),
     'a non-canonical state of dtype float64'),
    'enlarged_storage': (lambda tmp: enlarged_storage(),
                         "storage '1' of 268435456 elements"),
    'expanded_tensor': (lambda tmp: expanded_tensor(),
                        'tensors of 40000000000 bytes, over 4 times the 40'),
    'repeated_views': (lambda tmp: repeated_views(),
                       'tensors of 1200 bytes, over 4 times the 40 bytes'),
    'long_tensor_arguments':
    (lambda tmp: long_tensor_arguments(),
     'a call of tensor with arguments mmengine does not write'),
    'many_dims_array': (lambda tmp: many_dims_array(),
                        'a numpy array whose shape does not match its data'),
    'string_shape': (lambda tmp: string_shape(),
                     'a numpy array whose shape does not match its data'),
    'counter_copies':
    (lambda tmp: counter_copies(),
     'calls that copy 22011 bytes and items from a pickle of 21534 bytes'),
    'encode_copies':
    (lambda tmp: encode_copies(),
     'calls that copy 20000 bytes and items from a pickle of 11542 bytes'),
    'meta_location': (lambda tmp: meta_location(),
                      'a tensor on the meta device'),
    'history_buffer_lists': (lambda tmp: poisoned_history_buffer('mean'),
                             'a HistoryBuffer state mmengine does not write'),
    'history_buffer_without_state':
    (lambda tmp: PROTO + HISTORY_BUFFER + b')\x81' + STOP,
     'a HistoryBuffer without its state'),
    'reference_into_tensor_record':
    (lambda tmp: reference_into_tensor_record(),
     'a reference into a tensor record'),
    'aliased_memo_index': (lambda tmp: aliased_memo_index(),
                           'a LONG_BINPUT of an index below 256'),
}


def write_attack(name: str, folder) -> str:
    """Write attack ``name`` to ``folder/<name>.pth``; its payloads (if
    any) write ``folder/code_ran``."""
    return write_archive(f'{folder}/{name}.pth', ATTACKS[name][0](folder))
