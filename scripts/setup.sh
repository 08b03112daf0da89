#!/usr/bin/env bash
# Creates ./.venv with the pinned, verified stack and installs this package
# into it (editable, with mim's links). Safe to run again: once a set-up has
# succeeded it is skipped until its requirements, setup.py or this script
# change. Source it to get the venv activated in your shell.
# VENV, PYTHON and REQUIREMENTS choose another environment, NO_DEPS lists
# packages installed first without their dependencies, PIP_CHECK_IGNORE
# matches pip check lines to accept (scripts/setup_onedl.sh sets them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$ROOT/.venv}"
REQUIREMENTS="${REQUIREMENTS:-$ROOT/requirements/pinned.txt}"
NO_DEPS="${NO_DEPS:-}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup.sh: $PYTHON not found. Install Python 3.11 or set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
STAMP="$VENV/.mmconvnext_lstm-setup"
FINGERPRINT="$( (cat "$REQUIREMENTS" "$ROOT"/requirements/*.txt "$ROOT/setup.py" "${BASH_SOURCE[0]}"; echo "$NO_DEPS") | sha256sum)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$FINGERPRINT" ] && [ -e "$ROOT/mmconvnext_lstm/.mim" ]; then
  echo "[setup] $VENV is set up (delete $STAMP to redo it)"
  return 0 2>/dev/null || exit 0
fi
echo "[setup] installing the pinned stack ($REQUIREMENTS)"
python -m pip install -q --disable-pip-version-check -U pip
if [ -n "$NO_DEPS" ]; then
  # shellcheck disable=SC2086
  python -m pip install -q --disable-pip-version-check --no-deps $NO_DEPS
fi
python -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
echo "[setup] installing mmconvnext_lstm (editable)"
python -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e "$ROOT"
# mim (search, list, train, test) reads site-packages/mmconvnext_lstm/.mim,
# where a PEP 660 editable install leaves nothing: link the package there
# (imports then find the same files through the link).
python - "$ROOT/mmconvnext_lstm" <<'PY'
import os, os.path as osp, sys, sysconfig
link = osp.join(sysconfig.get_paths()['purelib'], 'mmconvnext_lstm')
if osp.islink(link) or not osp.exists(link):
    if osp.islink(link):
        os.remove(link)
    os.symlink(sys.argv[1], link)
PY
# A fork installs mmengine and mmpretrain under other distribution names,
# which pip check reports as missing: PIP_CHECK_IGNORE matches those lines.
if ! report="$(python -m pip check)"; then
  problems="$(printf '%s\n' "$report" | grep -vE "${PIP_CHECK_IGNORE:-^$}" || true)"
  if [ -n "$problems" ]; then
    echo "$problems" >&2
    exit 1
  fi
fi
python -c "import mmconvnext_lstm, torch; print(f'[setup] ok: mmconvnext_lstm {mmconvnext_lstm.__version__}, torch {torch.__version__}')"
echo "$FINGERPRINT" > "$STAMP"
