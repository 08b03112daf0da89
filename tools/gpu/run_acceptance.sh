#!/usr/bin/env bash
# The GPU acceptance in one command (docs/gpu.md): on one H100/H200 within
# its budget (300 s, this install included); with --tiny, the same steps at
# tiny sizes on the CPU.
#
#   bash tools/gpu/run_acceptance.sh OUT_DIR [--bundle DIR] [--tiny]
#        [--budget SECONDS] [--inject-hang STEP]
#
# --bundle DIR: first install DIR/wheels/*.whl (tools/gpu/make_bundle.sh)
# into a temporary folder put on PYTHONPATH, from those files alone (no
# index, no dependency resolution: the machine has the rest), and read the
# CIFAR-10 archive from DIR/data. Without it the current environment must
# have the package installed, and --data ARCHIVE names the archive.
# Other options go to tools/gpu/acceptance.py (see its --help).
# PYTHON picks the interpreter (default: python3, else python, from PATH);
# every tool the acceptance starts runs with it.
set -euo pipefail
STARTED=$(date +%s.%N)
if [ $# -lt 1 ] || [[ $1 == -* ]]; then
  echo "usage: $0 OUT_DIR [--bundle DIR] [--tiny] [--budget SECONDS] [acceptance.py options]" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT_DIR=$1
shift
BUNDLE=
ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --bundle) BUNDLE=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
PYTHON=${PYTHON:-$(command -v python3 || command -v python || true)}
if [ -z "$PYTHON" ]; then
  echo "run_acceptance.sh: no python3 or python on PATH; set PYTHON=/path/to/python." >&2
  exit 2
fi
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"

if [ -n "$BUNDLE" ]; then
  if ! compgen -G "$BUNDLE/wheels/*.whl" >/dev/null; then
    echo "run_acceptance.sh: no wheels in $BUNDLE/wheels; build them with" \
         "bash tools/gpu/make_bundle.sh and carry the folder." >&2
    exit 2
  fi
  BUNDLE="$(cd "$BUNDLE" && pwd)"
  SITE=$(mktemp -d "${TMPDIR:-/tmp}/mmconvnext_lstm-site.XXXXXX")
  trap 'rm -rf "$SITE"' EXIT
  echo "[acceptance] installing $(ls "$BUNDLE"/wheels/*.whl | wc -l) wheels" \
       "from $BUNDLE/wheels into $SITE (no index)"
  "$PYTHON" -m pip install --no-index --no-deps --no-compile --no-cache-dir \
      --disable-pip-version-check --target "$SITE" "$BUNDLE"/wheels/*.whl \
      >"$OUT_DIR/install.log" 2>&1 \
    || { cat "$OUT_DIR/install.log"; exit 1; }
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
  ARGS=(--data "$BUNDLE/data/cifar10-jpg.tar.gz" "${ARGS[@]}")
fi
cd "$ROOT"
# --started: the budget counts this script's install too.
"$PYTHON" tools/gpu/acceptance.py "$OUT_DIR" --started "$STARTED" "${ARGS[@]}"
