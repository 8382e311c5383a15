#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# memcheck-examples.sh — the C examples under valgrind's memcheck: installs the release libdaf
# into <repo>/.build-release/prefix (.scripts/install.sh), builds examples/c/*.c through
# pkg-config as a user would, and runs each under valgrind. A run passes when valgrind finds no
# memory error and no definitely or indirectly lost block (blocks still reachable at exit, like
# the Swift runtime's metadata caches, are not leaks). train_mlp trains a few steps only.
# Needs: valgrind, gcc, pkg-config, libopenblas-dev, zlib1g-dev, dataset-fashion-mnist.
# Usage: .scripts/memcheck-examples.sh     (last line: `N passed, N failed`)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.build-release/prefix"
out="$root/.build-release/memcheck"
mkdir -p "$out"
command -v valgrind >/dev/null 2>&1 || { echo "memcheck-examples.sh: valgrind is not installed (apt-get install valgrind)"; exit 1; }

if ! PREFIX="$prefix" bash "$root/.scripts/install.sh" >"$out/install.log" 2>&1; then
    tail -n 40 "$out/install.log"
    echo "memcheck-examples.sh: install.sh failed"
    exit 1
fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1

passed=0
failed=0
# Runs "$@" under memcheck as the check named $1.
memcheck() {
    local name="$1"
    shift
    local log="$out/$name.valgrind.txt"
    if valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --track-origins=yes "$@" >"$log" 2>&1; then
        printf 'PASS valgrind %s: %s\n' "$name" "$(grep -E 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
        passed=$((passed + 1))
    else
        printf 'FAIL valgrind %s (log: .build-release/memcheck/%s.valgrind.txt)\n' "$name" "$name"
        grep -E '^==[0-9]+==' "$log" | tail -n 40 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# pkg-config's output is split into words on purpose.
# shellcheck disable=SC2046
cc -std=c99 -O1 -g -Wall -Wextra $(pkg-config --cflags daf) "$root/examples/c/quickstart.c" \
    -o "$out/quickstart" $(pkg-config --libs daf)
memcheck quickstart "$out/quickstart"

# shellcheck disable=SC2046
cc -std=c99 -O1 -g -Wall -Wextra -fopenmp $(pkg-config --cflags daf) "$root/examples/c/train_mlp.c" \
    -o "$out/train_mlp" $(pkg-config --libs daf) -lopenblas -lz -lm
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    memcheck train_mlp "$out/train_mlp" --daf --steps 20 --threads 1
else
    echo "FAIL valgrind train_mlp: /usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist)"
    failed=$((failed + 1))
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
