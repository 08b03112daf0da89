#!/usr/bin/env bash
# The style checks of OpenMMLab projects, with setup.cfg's settings: flake8,
# isort and yapf over every Python file of the repository. Fails on any
# finding; `isort PATHS && yapf -r -i PATHS` fixes what those two find.
# Run by scripts/test.sh before the tests (the venv's pinned versions).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATHS=(mmconvnext_lstm tools tests configs demo setup.py)
flake8 "${PATHS[@]}"
isort --check-only --diff "${PATHS[@]}"
yapf --recursive --diff "${PATHS[@]}"
echo "lint.sh: flake8, isort and yapf found nothing"
