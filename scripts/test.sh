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
exit "$status"
