#!/usr/bin/env bash
# The first command of the README: sets up ./.venv (scripts/setup.sh), then
# trains ConvNeXt-LSTM-T from scratch on the CIFAR-10 demo set embedded in
# the repository (demo/cifar10_demo) on the CPU, and tests the last
# checkpoint on the demo test split (top-1 accuracy).
# Extra arguments go to tools/train.py, e.g. `--cfg-options train_cfg.max_epochs=2`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "$ROOT/scripts/setup.sh"
cd "$ROOT"

CONFIG=configs/convnext_lstm/convnext-lstm-tiny_1xb64_cifar10-demo.py
WORK_DIR="${WORK_DIR:-work_dirs/convnext-lstm-tiny_1xb64_cifar10-demo}"

echo "[demo] training ConvNeXt-LSTM-T on demo/cifar10_demo (3,000 images, 8 epochs)"
python tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
# mmengine's checkpoint hook names the newest checkpoint in last_checkpoint.
CHECKPOINT="$(cat "$WORK_DIR/last_checkpoint")"
echo "[demo] testing $CHECKPOINT on the 1,000 demo test images"
python tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR"
echo "[demo] checkpoint: $CHECKPOINT"
