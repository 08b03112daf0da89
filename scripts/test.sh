#!/usr/bin/env bash
# Sets up ./.venv (scripts/setup.sh), runs the style checks (scripts/lint.sh)
# and the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k backbone`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "$ROOT/scripts/setup.sh"
cd "$ROOT"
bash scripts/lint.sh
set +e
python -m pytest tests "$@"
status=$?
set -e
# pytest exits 5 when it collected no test: an empty run must not pass.
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"
# A full run also tests the OneDL fork of mmengine/mmpretrain in its own venv
# (scripts/setup_onedl.sh): the unit tier and the checkpoint-safety tests.
if [ "$#" -eq 0 ]; then
  bash "$ROOT/scripts/setup_onedl.sh"
  "$ROOT/.venv-onedl/bin/python" -m pytest -q -m unit tests
  "$ROOT/.venv-onedl/bin/python" -m pytest -q tests/test_tools/test_checkpoint_safety.py
fi
