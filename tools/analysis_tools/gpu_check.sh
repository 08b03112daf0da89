#!/usr/bin/env bash
# The GPU check of docs/benchmarks.md, under 7 minutes (about 4 expected) on one H100/H200:
#   1. bfloat16-autocast logits against fp32 ones (ours and ConvNeXt-T);
#   2. ours vs ConvNeXt-T at 224 px, batch 64, AMP (bf16) + channels-last:
#      training and inference images/s, peak memory, % of bf16 matmul FLOP/s;
#   3. the same in fp32 and the default memory format;
#   4. the BiLSTM2D neck's share of ours' training step at 224/384/512 px;
#   5. torch.compile of step 2's setting (skipped if it runs out of time).
#
#   bash tools/analysis_tools/gpu_check.sh [OUT_DIR]    (default work_dirs/gpu_check)
#
# Each step has its own time limit, so one slow step does not lose the others.
set -u
OUT_DIR=${1:-work_dirs/gpu_check}
PYTHON=${PYTHON:-python}
CONFIGS=configs/_base_/models
OURS="ConvNeXt-LSTM-T=$CONFIGS/convnext-lstm-tiny.py"
BASELINE="ConvNeXt-T=$CONFIGS/convnext-tiny-baseline.py"
BENCH="$PYTHON tools/analysis_tools/benchmark.py --device cuda"
mkdir -p "$OUT_DIR"
status=0

step() {  # step NAME SECONDS COMMAND...
    local name=$1 seconds=$2
    shift 2
    echo "=== $name ($(date -u +%H:%M:%S))"
    timeout "$seconds" "$@" || { echo "=== $name failed: exit $?"; status=1; }
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
$PYTHON -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'

step amp-check 60 $BENCH --check-amp --channels-last --shapes 224:16 \
    --models "$OURS" "$BASELINE"
step amp-channels-last 90 $BENCH --amp --channels-last --shapes 224:64 \
    --models "$OURS" "$BASELINE" --warmup 5 --iters 10 --reps 5 \
    --out-dir "$OUT_DIR/amp_channels_last"
step fp32 70 $BENCH --shapes 224:64 --models "$OURS" "$BASELINE" \
    --warmup 3 --iters 5 --reps 5 --out-dir "$OUT_DIR/fp32"
step neck 70 $BENCH --amp --channels-last --modes neck \
    --shapes 224:64 384:64 512:64 --models "$OURS" \
    --warmup 3 --iters 5 --reps 5 --out-dir "$OUT_DIR/neck"
step compile 110 $BENCH --amp --channels-last --compile --shapes 224:64 \
    --models "$OURS" "$BASELINE" --warmup 3 --iters 10 --reps 5 \
    --out-dir "$OUT_DIR/compile"
exit $status
