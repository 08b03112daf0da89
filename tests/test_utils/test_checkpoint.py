# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Checkpoint safety, in process: what may load under torch's weights-only
loader, the scan before unpickling, digests, messages and file modes, on
every mmengine loader of local files and URLs."""
import functools
import http.server
import io
import os
import pickle
import threading
import zipfile
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn as nn
from crafted_checkpoints import ATTACKS, write_attack
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

import mmconvnext_lstm  # noqa: F401  applies the fix
from mmconvnext_lstm.utils import CheckpointError, allow_mmengine_checkpoints
from mmconvnext_lstm.utils import checkpoint as checkpoint_module
from mmconvnext_lstm.utils import (checkpoint_safe_globals, read_checkpoint,
                                   weights_digest, write_checkpoint)
from mmconvnext_lstm.utils.checkpoint import (WEIGHTS_DIGEST_KEY,
                                              LoadedHistoryBuffer,
                                              history_buffer_statistic,
                                              scan_checkpoint)

pytestmark = pytest.mark.unit

NUMPY_DTYPE_CLASSES = {
    f'numpy.dtypes.{name}DType'
    for name in ('Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16',
                 'UInt32', 'UInt64', 'Float16', 'Float32', 'Float64')
}
# Everything the package allow-lists, by the name a pickle refers to it.
EXPECTED_NAMES = {
    'mmengine.logging.history_buffer.HistoryBuffer',
    'builtins.getattr',
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
} | NUMPY_DTYPE_CLASSES


def pickled_name(entry) -> str:
    """The name torch's unpickler matches an allow-list entry by."""
    if isinstance(entry, tuple):
        return entry[1]
    return f'{entry.__module__}.{entry.__qualname__}'


@pytest.fixture
def checkpoint(tmp_path):
    """A checkpoint as mmengine's runner writes one: weights, numpy meta,
    the message hub's HistoryBuffers and MultiStepLR's milestones."""
    model = nn.Linear(3, 2)
    hub = MessageHub.get_instance('test_checkpoint')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/lr', np.float64(0.1))
    hub.update_info('best_score', np.float32(0.75))
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(
                seed=np.int64(3407),
                epoch=1,
                mean=np.array([0.5, 0.25], dtype=np.float32),
                dtype=np.dtype('float64'),
                flags=np.array([True, False])),
            state_dict=model.state_dict(),
            message_hub=hub.state_dict(),
            param_schedulers=[dict(milestones=Counter({
                30: 1,
                60: 1
            }))]), path)
    return path, model


def test_allow_list_is_exactly_what_mmengine_writes():
    names = [pickled_name(entry) for entry in checkpoint_safe_globals()]
    assert sorted(names) == sorted(EXPECTED_NAMES)
    stand_ins = dict((pickled_name(e), e[0])
                     for e in checkpoint_safe_globals()
                     if isinstance(e, tuple))
    assert stand_ins['builtins.getattr'] is history_buffer_statistic
    assert stand_ins['mmengine.logging.history_buffer.HistoryBuffer'] is \
        LoadedHistoryBuffer


def test_getattr_stand_in_gives_statistics_only():
    for name in ('min', 'max', 'current', 'mean'):
        assert history_buffer_statistic(HistoryBuffer,
                                        name) is getattr(HistoryBuffer, name)
    for owner, name in [(HistoryBuffer, '__init__'),
                        (HistoryBuffer, 'register_statistics'),
                        (HistoryBuffer.min, '__globals__'),
                        (getattr, '__self__'), (object, 'min')]:
        with pytest.raises(
                pickle.UnpicklingError,
                match=r"allows getattr only for the statistics methods of "
                r"mmengine's HistoryBuffer \(\['current', 'max', 'mean', "
                r"'min'\]\)"):
            history_buffer_statistic(owner, name)


def test_torch_load_default(checkpoint):
    path, model = checkpoint
    loaded = torch.load(path)  # weights_only=True by default
    assert loaded['meta']['seed'] == 3407
    assert loaded['meta']['dtype'] == np.dtype('float64')
    np.testing.assert_array_equal(loaded['meta']['mean'], [0.5, 0.25])
    np.testing.assert_array_equal(loaded['meta']['flags'], [True, False])
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert type(buffer) is HistoryBuffer  # the stand-in became one
    assert buffer.current() == 1.5
    assert buffer.statistics('mean') == 1.5
    assert loaded['message_hub']['runtime_info']['best_score'] == 0.75
    assert torch.equal(loaded['state_dict']['weight'], model.weight)


def test_counters_load_as_counters(checkpoint):
    milestones = read_checkpoint(
        checkpoint[0])['param_schedulers'][0]['milestones']
    assert type(milestones) is Counter
    assert milestones == Counter({30: 1, 60: 1})


def test_files_written_with_numpy_1_load():
    """numpy 1 named its rebuild helpers numpy.core.multiarray.*."""
    buffer = io.BytesIO()
    # The legacy format keeps the pickle as is, so names can be edited.
    torch.save(
        dict(mean=np.array([0.5]), seed=np.int64(7)),
        buffer,
        _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    assert data.count(b'numpy._core.multiarray') == 2
    numpy_1 = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
    loaded = torch.load(io.BytesIO(numpy_1))
    np.testing.assert_array_equal(loaded['mean'], [0.5])
    assert loaded['seed'] == 7
    # Another module's function of the same name stays refused.
    elsewhere = data.replace(b'numpy._core.multiarray', b'numpy.core.umath')
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        torch.load(io.BytesIO(elsewhere))


def test_object_arrays_are_refused():
    buffer = io.BytesIO()
    torch.save(dict(values=np.array([1, 'a'], dtype=object)), buffer)
    with pytest.raises(pickle.UnpicklingError, match='ObjectDType'):
        torch.load(io.BytesIO(buffer.getvalue()))


# mmengine's public and private loaders of a file; the private one (which
# the runner uses) is pinned here on each stack the suite runs on.
MMENGINE_LOADERS = {
    'load_checkpoint': lambda path: load_checkpoint(nn.Linear(3, 2), path),
    '_load_checkpoint': _load_checkpoint,
    'CheckpointLoader': CheckpointLoader.load_checkpoint,
}


@pytest.mark.parametrize('loader', MMENGINE_LOADERS)
def test_mmengine_loaders_read_through_read_checkpoint(checkpoint, tmp_path,
                                                       loader):
    path, model = checkpoint
    loaded = MMENGINE_LOADERS[loader](path)
    assert torch.equal(loaded['state_dict']['weight'], model.weight)
    assert loaded['meta']['epoch'] == 1
    crafted = write_attack('getattr_chain', tmp_path)
    with pytest.raises(
            CheckpointError,
            match=f'Refused to load checkpoint '
            f'{crafted}: its pickle holds a call of getattr'):
        MMENGINE_LOADERS[loader](crafted)
    assert not (tmp_path / 'code_ran').exists()


def statistics_table():
    return dict(HistoryBuffer._statistics_methods)


@pytest.mark.parametrize('attack', ATTACKS)
def test_crafted_files_are_refused_with_their_reason(tmp_path, attack):
    before = statistics_table()
    path = write_attack(attack, tmp_path)
    with pytest.raises(
            CheckpointError,
            match=f'Refused to load checkpoint {path}: its pickle holds '
            f'{ATTACKS[attack][1]}'):
        read_checkpoint(path)
    assert statistics_table() == before
    assert not (tmp_path / 'code_ran').exists()


def test_torch_load_cannot_change_history_buffer_statistics(tmp_path):
    before = statistics_table()
    path = write_attack('poisoned_history_buffer', tmp_path)
    with pytest.raises(
            pickle.UnpicklingError, match='Refused a HistoryBuffer state'):
        torch.load(path)
    assert statistics_table() == before
    assert HistoryBuffer([1, 2, 3], [1, 1, 1]).statistics('mean') == 2


@pytest.mark.parametrize(
    'content, message',
    [(os.urandom(256), 'is not a PyTorch checkpoint: it does not start'),
     (b'', 'the file is empty'), (None, 'it is truncated or damaged')],
    ids=['random_bytes', 'empty', 'truncated'])
def test_unreadable_files(checkpoint, tmp_path, content, message):
    path = tmp_path / 'x.pth'
    with open(checkpoint[0], 'rb') as f:
        data = f.read()
    path.write_bytes(data[:len(data) // 2] if content is None else content)
    with pytest.raises(CheckpointError, match=f'{path}.*{message}'):
        read_checkpoint(str(path))


def test_compressed_records_are_refused(checkpoint, tmp_path):
    """torch's reader unpacks a deflated record to the size the zip says
    (here 100 MB from a file of about 100 KB) before any check could run."""
    path = str(tmp_path / 'deflated.pth')
    with zipfile.ZipFile(checkpoint[0]) as source, zipfile.ZipFile(
            path, 'w', zipfile.ZIP_DEFLATED) as deflated:
        for info in source.infolist():
            padding = b'N' * 10**8 if info.filename.endswith('.pkl') else b''
            deflated.writestr(info.filename, source.read(info) + padding)
    with pytest.raises(
            CheckpointError,
            match=f'Refused to load checkpoint {path}: its records unpack to '
            r'1000\d{5} bytes, more than the file\'s \d+ \(compressed '
            'records'):
        read_checkpoint(path)


def test_a_file_cannot_mark_itself_for_partial_loading(tmp_path):
    weights = nn.Linear(3, 2).state_dict()
    weights._metadata[''][checkpoint_module.PARTIAL_LOAD] = True
    path = str(tmp_path / 'partial.pth')
    torch.save(weights, path)
    metadata = read_checkpoint(path)._metadata['']
    assert checkpoint_module.PARTIAL_LOAD not in metadata
    assert metadata[checkpoint_module.LOADED_FROM] == path


@pytest.mark.parametrize(
    'weights', [{
        'a': torch.zeros(1),
        1: torch.zeros(1)
    }, [torch.zeros(1)]],
    ids=['int key', 'list'])
def test_weights_that_are_no_state_dict_are_refused(tmp_path, weights):
    path = str(tmp_path / 'odd.pth')
    torch.save({
        'state_dict': weights,
        'meta': {
            WEIGHTS_DIGEST_KEY: '0'
        }
    }, path)
    with pytest.raises(
            CheckpointError,
            match=f'Refused to load checkpoint {path}: its weights are not '
            'a state dict as torch.save writes one'):
        read_checkpoint(path)


@pytest.mark.parametrize('key, value, what', [
    ('seed', 'abc', 'None or an int from 0 to 2'),
    ('seed', 2**40, 'None or an int from 0 to 2'),
    ('epoch', -1, 'an int of at least 0'),
    ('dataset_meta', ['x'], 'a dict whose classes are a list of names'),
    ('dataset_meta', dict(classes='cat'), 'a dict whose classes'),
])
def test_meta_values_mmengine_uses_are_checked(tmp_path, key, value, what):
    path = str(tmp_path / 'meta.pth')
    torch.save({'state_dict': {}, 'meta': {key: value}}, path)
    with pytest.raises(
            CheckpointError,
            match=f'Refused to load checkpoint {path}: its meta\\[{key!r}\\] '
            f'is .*, not {what}'):
        read_checkpoint(path)


def test_directory_is_refused(tmp_path):
    (tmp_path / 'x.pth').mkdir()
    with pytest.raises(
            CheckpointError,
            match=f'Checkpoint {tmp_path}/x.pth is a directory'):
        load_checkpoint(nn.Linear(3, 2), str(tmp_path / 'x.pth'))


@pytest.mark.parametrize('make', ['fifo', 'device'])
def test_files_that_never_end_are_refused(tmp_path, make):
    path = str(tmp_path / 'x.pth')
    if make == 'fifo':
        os.mkfifo(path)  # reading it would wait for a writer forever
    else:
        os.symlink('/dev/zero', path)  # endless zeros
    with pytest.raises(
            CheckpointError,
            match=f'Checkpoint {path} is not a regular file, not a '
            'checkpoint file'):
        load_checkpoint(nn.Linear(3, 2), path)


def test_garbage_sidecar_is_named(checkpoint):
    path, _ = checkpoint
    with open(f'{path}.sha256', 'w') as f:
        f.write('not a digest\n')
    with pytest.raises(
            CheckpointError,
            match=f'the sidecar {path}.sha256 is not a sha256sum '
            'line'):
        read_checkpoint(path)


def save_with_digest(path, model, sidecar=True):
    state_dict = model.state_dict()
    checkpoint = dict(
        meta={WEIGHTS_DIGEST_KEY: weights_digest(state_dict)},
        state_dict=state_dict)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    if sidecar:
        write_checkpoint(str(path), buffer.getvalue())
    else:
        path.write_bytes(buffer.getvalue())
    return str(path)


def flip_bits(path, model, count):
    """Flip ``count`` bits inside the last tensor's bytes."""
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    last = model.state_dict()['bias'].numpy().tobytes()
    start = data.rindex(last)
    for bit in range(count):
        data[start + bit // 8 % len(last)] ^= 1 << (bit % 8)
    with open(path, 'wb') as f:
        f.write(data)


def test_tensors_with_attributes_load(tmp_path):
    """torch.compile marks the parameters it traced with an attribute, which
    their state dict keeps (pickled by ``_rebuild_from_type_v2``)."""
    weight = torch.arange(6.).reshape(2, 3)
    weight._dynamo_static_input_type = 'unguarded'
    path = str(tmp_path / 'compiled.pth')
    torch.save(dict(state_dict=dict(weight=weight)), path)
    loaded = read_checkpoint(path)['state_dict']
    assert torch.equal(loaded['weight'], weight)
    assert loaded['weight']._dynamo_static_input_type == 'unguarded'


def test_tensor_attributes_must_be_plain_values(tmp_path):
    tensor = torch.zeros(2)
    tensor.payload = {'nested': 1}
    path = str(tmp_path / 'attribute.pth')
    torch.save(dict(state_dict=dict(weight=tensor)), path)
    with pytest.raises(CheckpointError, match='tensor_with_attributes'):
        read_checkpoint(path)


@pytest.mark.parametrize('bits', [1, 20])
def test_weights_digest_catches_bit_flips_without_sidecar(tmp_path, bits):
    model = nn.Linear(3, 2)
    checked = save_with_digest(tmp_path / 'epoch_1.pth', model)
    os.utime(checked, (0, 0))  # the oldest
    path = save_with_digest(tmp_path / 'epoch_2.pth', model, sidecar=False)
    # The newest file, without a sidecar: not offered as advice.
    save_with_digest(tmp_path / 'epoch_3.pth', model, sidecar=False)
    assert read_checkpoint(path)['meta'][WEIGHTS_DIGEST_KEY]
    flip_bits(path, model, bits)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(nn.Linear(3, 2), path)
    assert (f'Checkpoint {path} does not match the SHA-256 digest recorded in '
            f'its meta ({WEIGHTS_DIGEST_KEY})') in str(error.value)
    assert str(error.value).endswith(
        f'Use another checkpoint, e.g. {checked} (it matches its sidecar).')


def test_a_file_without_digests_says_so_once(checkpoint):
    path, _ = checkpoint
    with pytest.warns(UserWarning) as records:
        read_checkpoint(path)
        read_checkpoint(path)
    messages = [str(r.message) for r in records if 'neither' in str(r.message)]
    assert messages == [
        f'Checkpoint {path} has neither a digest of its weights in its meta '
        f'nor a sidecar {path}.sha256: a damaged copy of it would go '
        'unnoticed.'
    ]


@pytest.mark.parametrize('umask', [0o022, 0o002])
def test_files_get_the_umasks_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_checkpoint(str(tmp_path / 'epoch_1.pth'), b'data')
    finally:
        os.umask(old)
    for name in ('epoch_1.pth', 'epoch_1.pth.sha256'):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o666 & ~umask


@pytest.fixture
def http_folder(tmp_path, monkeypatch):
    """A folder served over http on localhost, and torch's hub cache in
    tmp_path."""
    served = tmp_path / 'served'
    served.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def test_urls_are_read_through_read_checkpoint(checkpoint, http_folder):
    served, url = http_folder
    write_attack('os_system', served)
    with pytest.raises(CheckpointError, match='the global os.system'):
        load_checkpoint(nn.Linear(3, 2), f'{url}/os_system.pth')
    assert not (served / 'code_ran').exists()
    path, model = checkpoint
    os.replace(path, served / 'good.pth')
    loaded = load_checkpoint(nn.Linear(3, 2), f'{url}/good.pth')
    assert torch.equal(loaded['state_dict']['weight'], model.weight)


@pytest.mark.parametrize('name', [
    'torchvision://resnet50', 'open-mmlab://resnet50_v1c', 'mmcls://resnet50',
    'pavi://model'
])
def test_schemes_without_protection_are_refused(name):
    with pytest.raises(CheckpointError, match=f'Refused to load {name}'):
        _load_checkpoint(name)


def test_without_the_fix_torch_refuses(checkpoint):
    """The fix is what makes the tests above pass."""
    path, _ = checkpoint
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(Exception, match='Unsupported global'):
            torch.load(path)
        allow_mmengine_checkpoints()
        torch.load(path)
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(allowed)


def adamw_checkpoint(path):
    """A checkpoint as the runner writes one after an AdamW step."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.randn(2, 3, 5, 5)).sum().backward()
    optimizer.step()
    torch.save(
        dict(
            meta=dict(epoch=1),
            state_dict=model.state_dict(),
            optimizer=optimizer.state_dict()), path)
    return str(path), model


@pytest.mark.parametrize('attack', [*ATTACKS, None])
def test_one_step_tensor_records_match_the_opcodes(tmp_path, monkeypatch,
                                                   attack):
    """The scan applies torch.save's tensor records in one step; going op by
    op gives the same verdict (but for a reference into a record, which only
    the one-step path can see and refuses)."""
    path = (
        write_attack(attack, tmp_path)
        if attack else adamw_checkpoint(tmp_path / 'adamw.pth')[0])

    def verdict():
        try:
            scan_checkpoint(path, open(path, 'rb').read())
            return 'accepted'
        except CheckpointError as error:
            return str(error)

    one_step = verdict()
    monkeypatch.setattr(checkpoint_module, '_tensor_record', lambda *a: None)
    if attack == 'reference_into_tensor_record':
        assert 'a reference into a tensor record' in one_step
        assert verdict() == 'accepted'
    else:
        assert verdict() == one_step
    assert (one_step == 'accepted') == (attack is None)


def test_optimizer_state_loads(tmp_path):
    path, model = adamw_checkpoint(tmp_path / 'adamw.pth')
    loaded = read_checkpoint(path)
    assert torch.equal(loaded['state_dict']['0.weight'], model[0].weight)
    assert len(loaded['optimizer']['state']) == 4


@pytest.mark.parametrize('attack', [*ATTACKS, None])
def test_record_sizes_from_the_zip_directory_give_the_same_verdict(
        tmp_path, monkeypatch, attack):
    """torch 2.11's archive reader has no get_record_size (2.14's has): the
    scan then reads the sizes from the zip directory."""
    path = (
        write_attack(attack, tmp_path)
        if attack else adamw_checkpoint(tmp_path / 'adamw.pth')[0])
    data = open(path, 'rb').read()

    def verdict():
        try:
            scan_checkpoint(path, data)
            return 'accepted'
        except CheckpointError as error:
            return str(error)

    with_sizes = verdict()
    reader = torch._C.PyTorchFileReader

    class ReaderWithoutRecordSizes:

        def __init__(self, file):
            self._reader = reader(file)
            self.get_record = self._reader.get_record
            self.get_all_records = self._reader.get_all_records

    monkeypatch.setattr(torch._C, 'PyTorchFileReader',
                        ReaderWithoutRecordSizes)
    assert verdict() == with_sizes
    assert (with_sizes == 'accepted') == (attack is None)


def test_complete_checkpoints_in_a_directory_named_like_a_glob(tmp_path):
    directory = tmp_path / 'run[1]'
    directory.mkdir()
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        (directory / name).write_bytes(b'x')
    os.utime(directory / 'epoch_1.pth', (1, 1))  # the older one
    assert checkpoint_module.complete_checkpoints(str(directory)) == [
        str(directory / 'epoch_2.pth'),
        str(directory / 'epoch_1.pth')
    ]
