#!/usr/bin/env bash
# Creates ./.venv-onedl: this package on the OneDL fork of mmengine and
# mmpretrain (requirements/onedl.txt), made by scripts/setup.sh. Source it
# to get that venv activated in your shell.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VENV="${VENV:-$ROOT/.venv-onedl}"
export REQUIREMENTS="$ROOT/requirements/onedl.txt"
export NO_DEPS='mmcv-lite==2.2.0'
# mmcv-lite and this package name mmengine/mmpretrain by OpenMMLab's
# distribution names; onedl-mmengine and onedl-mmpretrain provide them.
export PIP_CHECK_IGNORE='requires (mmengine|mmpretrain), which is not installed'
# shellcheck disable=SC1091
. "$ROOT/scripts/setup.sh"
