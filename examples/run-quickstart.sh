#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-quickstart.sh — quick start, command #1: installs libdaf into <repo>/.build-release/prefix,
# then builds the C and C++ quickstart examples through pkg-config, as a user would, and runs
# them. Nothing is installed system-wide; everything it makes stays under .build-release/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.build-release/prefix"
out="$root/.build-release/examples"

PREFIX="$prefix" bash "$root/.scripts/install.sh"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$out"

echo
echo "== C: cc \$(pkg-config --cflags daf) examples/c/quickstart.c \$(pkg-config --libs daf)"
# pkg-config's output is split into words on purpose.
# shellcheck disable=SC2046
cc -std=c99 -O2 -Wall -Wextra $(pkg-config --cflags daf) "$root/examples/c/quickstart.c" \
    -o "$out/quickstart-c" $(pkg-config --libs daf)
"$out/quickstart-c"

echo
echo "== C++: c++ -std=c++11 \$(pkg-config --cflags daf) examples/cpp/quickstart.cpp \$(pkg-config --libs daf)"
# shellcheck disable=SC2046
c++ -std=c++11 -O2 -Wall -Wextra $(pkg-config --cflags daf) "$root/examples/cpp/quickstart.cpp" \
    -o "$out/quickstart-cpp" $(pkg-config --libs daf)
"$out/quickstart-cpp"
