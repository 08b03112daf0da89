#!/usr/bin/env bash
# Train with NUM_PROCS processes per node (one per GPU; on a machine without
# GPU they share the CPU, with the gloo backend).
#   bash tools/dist_train.sh CONFIG NUM_PROCS [tools/train.py options]
# Multi-node: run it on every node with NNODES, NODE_RANK (0..NNODES-1),
# MASTER_ADDR (node 0's address) and PORT set alike.
# PYTHON picks the interpreter (default: `python` on PATH, e.g. the venv).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CONFIG NUM_PROCS [tools/train.py options]" >&2
  exit 2
fi
CONFIG=$1
GPUS=$2
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
    "$TOOLS/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
