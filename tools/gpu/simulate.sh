#!/usr/bin/env bash
# The GPU machine simulated on a CPU machine (docs/gpu.md): a Python 3.12
# environment with that machine's torch 2.11.0, torchvision 0.26.0, numpy
# 2.5.2 and the other packages of its own that the bundle relies on
# (tools/gpu/requirements-gpu-machine.txt, from PyPI, kept in .gpu_sim/ so
# that reruns are fast); then the device call of tools/gpu/make_bundle.sh,
# unchanged but for --tiny, in a network namespace without any network
# (so nothing can come from a registry) and with pip's configuration and
# indexes switched off. Fails if any step fails.
#
#   bash tools/gpu/simulate.sh [--inject-hang STEP] [OUT_DIR]
#
# OUT_DIR defaults to .gpu_sim/out. --inject-hang STEP makes STEP start a
# child in a session of its own that ignores SIGTERM and hangs: the run
# must report STEP timed out, run every later step and exit non-zero.
# Builds gpu_bundle/ first (tools/gpu/make_bundle.sh, which needs PyPI and
# the CIFAR-10 archive).
# Environment: PYTHON312 (default: python3.12 on PATH, else pyenv's newest
# 3.12), GPU_SIM_DIR (default .gpu_sim in the checkout; one made by another
# checkout is reused as it is while the requirements match).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIM="${GPU_SIM_DIR:-$ROOT/.gpu_sim}"
VENV="$SIM/venv"
REQUIREMENTS="$ROOT/tools/gpu/requirements-gpu-machine.txt"
HANG=()
if [ "${1:-}" = --inject-hang ]; then
  HANG=(--inject-hang "$2")
  shift 2
fi
OUT_DIR="${1:-$SIM/out}"
started=$(date +%s)

if [ ! -x "$VENV/bin/python" ]; then
  if [ -z "${PYTHON312:-}" ]; then
    # A python3.12 on PATH that runs (a pyenv shim may not), else pyenv's.
    if python3.12 --version >/dev/null 2>&1; then
      PYTHON312=$(command -v python3.12)
    elif command -v pyenv >/dev/null; then
      PYTHON312=$(ls -d "$(pyenv root)"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V | tail -n 1)
    fi
  fi
  if ! "${PYTHON312:-python3.12}" --version >/dev/null 2>&1; then
    echo "simulate.sh: no Python 3.12 found; set PYTHON312=/path/to/python3.12." >&2
    exit 1
  fi
  echo "[simulate] creating $VENV with $("$PYTHON312" --version)"
  "$PYTHON312" -m venv "$VENV"
fi
# The stamp holds the requirements' digest (first field); pip runs again
# only when they change.
stamp="$VENV/.requirements.sha256"
digest=$(sha256sum <"$REQUIREMENTS" | cut -d' ' -f1)
if [ "$(cut -d' ' -f1 "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "[simulate] installing the GPU machine's packages (several GB the" \
       "first time: PyPI's torch 2.11.0 is its CUDA build, which runs on the CPU)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$digest  requirements-gpu-machine.txt" >"$stamp"
fi
# The GPU machine has none of the OpenMMLab stack: neither may this one.
if "$VENV/bin/python" -c 'import mmengine' 2>/dev/null; then
  echo "simulate.sh: $VENV has mmengine, which the GPU machine lacks;" \
       "delete $VENV and run again." >&2
  exit 1
fi
"$VENV/bin/python" -c 'import torch, torchvision, numpy; print("[simulate] torch",
    torch.__version__, "torchvision", torchvision.__version__, "numpy", numpy.__version__)'

# Always rebuilt, so that the carried wheel is this tree's.
bash "$ROOT/tools/gpu/make_bundle.sh"

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
# The bundle call with --tiny; `python3` is the simulated machine's (PYTHON,
# which may name the interpreter that built the bundle, is unset), no pip
# configuration, index or find-links.
DEVICE_CALL=(bash tools/gpu/run_acceptance.sh "$OUT_DIR" --bundle gpu_bundle --tiny "${HANG[@]}")
ISOLATE=()
if unshare -n true 2>/dev/null; then
  # A new network namespace has only a loopback, down: bring it up for the
  # distributed step's rendezvous; nothing beyond this machine is reachable.
  ISOLATE=(unshare -n bash -c 'ip link set lo up && exec "$@"' isolated)
  echo "[simulate] running the device call without network (unshare -n)"
else
  echo "[simulate] unshare -n is not allowed here: running with network," \
       "pip limited to --no-index and the bundle"
fi
cd "$ROOT"
status=0
"${ISOLATE[@]}" env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL \
    -u PYTHONPATH -u PYTHON PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PYTHONNOUSERSITE=1 \
    PATH="$VENV/bin:$PATH" "${DEVICE_CALL[@]}" || status=$?
echo "[simulate] $(( $(date +%s) - started )) s; exit code $status;" \
     "report: $OUT_DIR/report.md"
ls -la "$OUT_DIR"
exit $status
