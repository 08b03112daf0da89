#!/usr/bin/env bash
# Test a checkpoint with NUM_PROCS processes per node (one per GPU; on a
# machine without GPU they share the CPU, with the gloo backend).
#   bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [tools/test.py options]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT as for dist_train.sh.
# PYTHON picks the interpreter (default: `python` on PATH).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG CHECKPOINT NUM_PROCS [tools/test.py options]" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
TOOLS="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
