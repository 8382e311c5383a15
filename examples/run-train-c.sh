#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-train-c.sh — installs libdaf into <repo>/.build-release/prefix, builds the C training loop
# examples/c/train_mlp.c through pkg-config as a user would (with OpenBLAS, OpenMP and zlib),
# and trains it briefly twice from the same seed: fp32, then with --daf. The two loss columns
# are printed side by side. Nothing is installed system-wide.
# Needs: gcc, pkg-config, libopenblas-dev, zlib1g-dev, dataset-fashion-mnist.
# Usage: bash examples/run-train-c.sh [steps]   (default 600)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.build-release/prefix"
out="$root/.build-release/examples"
steps="${1:-600}"

PREFIX="$prefix" bash "$root/.scripts/install.sh" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# OpenMP's worker threads would otherwise spin between parallel loops on the cores that
# OpenBLAS's threads need next; passive waiting lets the two take turns.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
mkdir -p "$out"

echo "== cc -O2 -fopenmp examples/c/train_mlp.c \$(pkg-config --cflags --libs daf) -lopenblas -lz -lm"
# pkg-config's output is split into words on purpose.
# shellcheck disable=SC2046
cc -std=c99 -O2 -Wall -Wextra -fopenmp "$root/examples/c/train_mlp.c" -o "$out/train_mlp" \
    $(pkg-config --cflags --libs daf) -lopenblas -lz -lm

"$out/train_mlp" --steps "$steps" >"$out/train_mlp-fp32.txt"
"$out/train_mlp" --steps "$steps" --daf >"$out/train_mlp-daf.txt"
head -n 1 "$out/train_mlp-fp32.txt"
head -n 1 "$out/train_mlp-daf.txt"
echo
printf '%8s %12s %12s\n' step "fp32 loss" "libdaf loss"
# The "step N  loss L" lines of both runs, side by side.
paste <(awk '$1 == "step" { print $2, $4 }' "$out/train_mlp-fp32.txt") \
      <(awk '$1 == "step" { print $4 }' "$out/train_mlp-daf.txt") |
    awk '{ printf "%8s %12s %12s\n", $1, $2, $3 }'
echo
grep -h -E '^(final|saved)' "$out/train_mlp-fp32.txt" | sed 's/^/fp32:   /'
grep -h -E '^(final|saved)' "$out/train_mlp-daf.txt" | sed 's/^/libdaf: /'
