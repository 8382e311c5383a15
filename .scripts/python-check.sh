#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# python-check.sh — installs libdaf (release) under .build-release/prefix, then the daf Python
# package (examples/python) into a fresh virtual environment, and runs its pytest suite. PyTorch
# is installed only with DAF_PYTHON_TORCH=1 (pip's requirement DAF_TORCH_SPEC, default "torch",
# e.g. a local CPU-only wheel's path: PyPI's default Linux torch pulls ~3 GB of CUDA wheels);
# without it the torch tests are skipped with their reason. Prints pytest's summary line last.
# Needs python3 with venv and pip.
# Usage: [DAF_PYTHON_TORCH=1 [DAF_TORCH_SPEC=...]] [DAF_SKIP_INSTALL=1] bash .scripts/python-check.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.build-release/prefix"
venv="$root/.build-python/venv"
python="${PYTHON:-python3}"

say() { printf 'python-check.sh: %s\n' "$*"; }
command -v "$python" >/dev/null 2>&1 || { say "error: $python not found"; exit 1; }

if [ "${DAF_SKIP_INSTALL:-0}" != 1 ] || [ ! -e "$prefix/lib/libdaf.so" ]; then
    PREFIX="$prefix" bash "$root/.scripts/install.sh" >/dev/null
fi
# The package finds the library as a user's would: through pkg-config.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
unset DAF_LIBRARY

rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install "$root/examples/python[test]"
if [ "${DAF_PYTHON_TORCH:-0}" = 1 ]; then
    start=$(date +%s)
    "${pip[@]}" install "${DAF_TORCH_SPEC:-torch}"
    say "torch installed in $(( $(date +%s) - start )) s"
else
    say "DAF_PYTHON_TORCH is not 1: PyTorch is not installed, the daf.torch tests are skipped"
fi

# Run from outside the source tree, so the tests import the installed package.
cd "$root/examples/python/tests"
set +e
"$venv/bin/python" -m pytest -q -rs -p no:cacheprovider . >"$root/.build-python/pytest.log" 2>&1
status=$?
set -e
# Everything pytest said, its summary line (e.g. "45 passed, 1 skipped in 10.04s") last.
cat "$root/.build-python/pytest.log"
exit "$status"
