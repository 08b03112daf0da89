#!/usr/bin/env bash
# Build gpu_bundle/ (ignored by git): what the GPU machine needs beside the
# working tree to run the acceptance (docs/gpu.md).
#   wheels/  the Python 3.12 wheels it lacks (tools/gpu/requirements-bundle.txt)
#            and this project's own wheel (with its .mim configs and tools)
#   data/    the CIFAR-10 JPEG archive
# Then check that the checkout and the bundle together stay within 64 MiB
# (what a GPU machine of the project's device tool accepts), and print the
# acceptance call.
#
#   bash tools/gpu/make_bundle.sh
#
# Environment: CIFAR10_ARCHIVE (default: cifar10-jpg.tar.gz in
# $MMCONVNEXT_LSTM_SHARED_DATA or ../shared/data beside the checkout),
# PYTHON (builds our wheel; default .venv/bin/python, else python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$ROOT/gpu_bundle"
LIMIT=$((64 * 1024 * 1024))
SHARED_DATA="${MMCONVNEXT_LSTM_SHARED_DATA:-$(dirname "$ROOT")/shared/data}"
ARCHIVE="${CIFAR10_ARCHIVE:-$SHARED_DATA/cifar10-jpg.tar.gz}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
if [ ! -f "$ARCHIVE" ]; then
  echo "make_bundle.sh: the CIFAR-10 archive $ARCHIVE does not exist;" \
       "set CIFAR10_ARCHIVE=/path/to/cifar10-jpg.tar.gz." >&2
  exit 1
fi

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/wheels" "$BUNDLE/data"
echo "[bundle] third-party wheels for Python 3.12 (tools/gpu/requirements-bundle.txt)"
# --no-deps: the list names every wheel; the machine has the rest.
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: \
    --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform any \
    -r "$ROOT/tools/gpu/requirements-bundle.txt" -d "$BUNDLE/wheels"

echo "[bundle] this project's wheel"
# setup.py copies configs/, tools/ and model-index.yml into the package's
# .mim for a wheel, as mim expects. It is built from a copy of the files
# that travel, so that the checkout's own .mim (links, for an editable
# install) stays as it is.
SOURCE=$(mktemp -d)
trap 'rm -rf "$SOURCE"' EXIT
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | tar --null -T - --ignore-failed-read -cf -) | tar -xf - -C "$SOURCE"
# Without a setuptools that builds wheels (70.1+) at hand, pip fetches one
# into an isolated build.
ISOLATION=--no-build-isolation
"$PYTHON" -c 'import setuptools.command.bdist_wheel' 2>/dev/null || ISOLATION=
"$PYTHON" -m pip wheel -q --no-deps $ISOLATION -w "$BUNDLE/wheels" "$SOURCE"
OWN_WHEEL=$(ls "$BUNDLE"/wheels/mmconvnext_lstm-*.whl)
OWN_FILES=$("$PYTHON" -m zipfile -l "$OWN_WHEEL")
for needed in .mim/tools/train.py .mim/tools/test.py .mim/configs/ .mim/model-index.yml; do
  if ! grep -q "mmconvnext_lstm/$needed" <<<"$OWN_FILES"; then
    echo "make_bundle.sh: $OWN_WHEEL has no mmconvnext_lstm/$needed (mim needs it)" >&2
    exit 1
  fi
done
if grep -q "mmconvnext_lstm/.mim/tools/gpu/" <<<"$OWN_FILES"; then
  echo "make_bundle.sh: $OWN_WHEEL ships tools/gpu (setup.py MIM_EXCLUDED)" >&2
  exit 1
fi

cp "$ARCHIVE" "$BUNDLE/data/cifar10-jpg.tar.gz"

# What travels: tracked and untracked-but-not-ignored files, a shared/
# folder inside the checkout if there is one, and the carried bundle.
tree_bytes=$(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
shared_bytes=0
if [ -d "$ROOT/shared" ]; then
  shared_bytes=$(find "$ROOT/shared" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
fi
bundle_bytes=$(find "$BUNDLE" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
total=$((tree_bytes + shared_bytes + bundle_bytes))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "[bundle] $(ls "$BUNDLE/wheels" | wc -l) wheels, $(mib "$bundle_bytes") in gpu_bundle/;" \
     "working tree $(mib "$tree_bytes"), shared/ $(mib "$shared_bytes");" \
     "together $(mib "$total") of the $(mib "$LIMIT") limit"
if [ "$total" -gt "$LIMIT" ]; then
  echo "make_bundle.sh: what would travel is over the 64 MiB limit; remove" \
       "untracked files from the checkout (git status) or ignore them." >&2
  exit 1
fi
cat <<EOF
[bundle] ready. The acceptance call, from this checkout on the GPU machine
(300 s with the install; docs/gpu.md):
  bash tools/gpu/run_acceptance.sh OUT_DIR --bundle gpu_bundle
EOF
