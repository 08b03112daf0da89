# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""A checkpoint crafted to run code when unpickled with ``builtins.getattr``
allow-listed, for tests that it is refused.

The pickle reaches a function's ``__globals__`` through ``getattr``,
rebinds ``len`` there to ``exec`` (fetched through ``getattr.__self__``,
the builtins module) and then calls HistoryBuffer, whose ``__init__``
calls ``len(log_history)``: the payload writes a marker file.
"""
import io
import struct
import zipfile

import torch

GETATTR = b'cbuiltins\ngetattr\n'
HISTORY_BUFFER = b'cmmengine.logging.history_buffer\nHistoryBuffer\n'


def _text(value: str) -> bytes:
    data = value.encode()
    return b'X' + struct.pack('<I', len(data)) + data  # BINUNICODE


def _getattr(obj: bytes, name: str) -> bytes:
    return GETATTR + obj + _text(name) + b'\x86R'  # TUPLE2, REDUCE


def payload(marker: str, start: str) -> bytes:
    """Protocol-2 pickle opcodes writing ``marker`` when run.

    Args:
        marker (str): File the payload writes.
        start (str): The HistoryBuffer attribute whose ``__globals__`` it
            reaches: ``'__init__'``, or ``'min'`` (a statistics method, the
            kind mmengine's own checkpoints name).
    """
    module_globals = _getattr(_getattr(HISTORY_BUFFER, start), '__globals__')
    builtins_exec = _getattr(_getattr(GETATTR, '__self__'), 'exec')
    code = f'open({marker!r}, "w").write("code ran")'
    return (b'\x80\x02' + module_globals + _text('len') + builtins_exec +
            b's' + HISTORY_BUFFER + _text(code) + _text('0') + b'\x86R.')


def write_crafted_checkpoint(path: str, marker: str, start: str) -> str:
    """A torch.save zip archive whose pickle is :func:`payload`."""
    buffer = io.BytesIO()
    torch.save({'state_dict': {}}, buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path,
                                                            'w') as crafted:
        for info in source.infolist():
            data = (
                payload(marker, start)
                if info.filename.endswith('/data.pkl') else source.read(info))
            crafted.writestr(info.filename, data)
    return path
