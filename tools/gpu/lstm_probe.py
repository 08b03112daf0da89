# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Print, as one JSON line, whether this device runs an LSTM under bf16
autocast (on a GPU: cuDNN's bf16 RNN), and what the BiLSTM2D neck makes of
it. A second at most; run by tools/gpu/acceptance.py in a process of its
own, so that a crash in the library costs this step alone.

Three probes, each recorded with its error if it fails:

- ``lstm``: a bidirectional ``nn.LSTM`` forward and backward under
  ``torch.autocast(device, torch.bfloat16)``, with its relative error
  against fp32;
- ``neck_decision``: ``lstm_autocast_supported(device_type, torch.bfloat16)``
  of ``mmconvnext_lstm.models.necks.bilstm2d`` (when False the neck runs its
  LSTMs in fp32 under autocast), or None where the package has no such
  function;
- ``neck``: the BiLSTM2D neck itself, forward and backward on a
  channels-last map under the same autocast.
"""
import json
import sys
import traceback

import torch


def _error(error: BaseException) -> str:
    """The error's type and first sentence (oneDNN's and cuDNN's messages
    go on with advice on how to debug them)."""
    text = str(error).strip()
    first = text.splitlines()[0].split('. ')[0] if text else ''
    return f'{type(error).__name__}: {first}' if first else type(
        error).__name__


def probe_lstm(device: str) -> dict:
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(32, 16, batch_first=True, bidirectional=True)
    lstm = lstm.to(device)
    x = torch.randn(8, 7, 32, device=device)
    expected, _ = lstm(x)
    inputs = x.clone().requires_grad_()
    with torch.autocast(device, dtype=torch.bfloat16):
        actual, _ = lstm(inputs)
    actual.float().sum().backward()
    error = (actual.float() - expected).abs().max() / expected.abs().max()
    return dict(
        output_dtype=str(actual.dtype).replace('torch.', ''),
        relative_error=float(error),
        gradient_finite=bool(torch.isfinite(inputs.grad).all()))


def probe_neck(device: str) -> dict:
    from mmconvnext_lstm.models.necks.bilstm2d import BiLSTM2D
    torch.manual_seed(0)
    neck = BiLSTM2D(32, hidden_channels=8).to(device)
    x = torch.randn(2, 32, 3, 4, device=device)
    inputs = x.contiguous(memory_format=torch.channels_last).requires_grad_()
    with torch.autocast(device, dtype=torch.bfloat16):
        out = neck(inputs)[0]
    out.float().sum().backward()
    return dict(
        output_dtype=str(out.dtype).replace('torch.', ''),
        gradient_finite=bool(torch.isfinite(inputs.grad).all()))


def neck_decision(device: str):
    try:
        from mmconvnext_lstm.models.necks.bilstm2d import \
            lstm_autocast_supported
    except ImportError:
        return None
    return bool(
        lstm_autocast_supported(torch.device(device).type, torch.bfloat16))


def main() -> int:
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    info = dict(
        device=device,
        cudnn=torch.backends.cudnn.version() if device == 'cuda' else None)
    for name, probe in (('lstm', probe_lstm), ('neck_decision', neck_decision),
                        ('neck', probe_neck)):
        try:
            info[name] = probe(device)
        except Exception as error:  # recorded: the finding this is for
            info[name] = dict(error=_error(error))
            traceback.print_exc()
    print(json.dumps(info))
    return 0


if __name__ == '__main__':
    sys.exit(main())
