#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# soak.sh — builds libdaf and Tests/Soak/soak.c and runs the concurrency soak: <threads> threads
# for <seconds> s on one context, every restore checked (see soak.c). Prints the figures; exit
# status 0 only with zero mismatches, zero lost entries and no other problem.
# Usage: .scripts/soak.sh <seconds> <threads> [none|address|thread] [seed]
#   none (default): release build, the most operations per second;
#   address / thread: the library and the soak built with that sanitizer (slower, catches
#   memory errors / data races as well).
# Everything it builds goes under .build-soak*/.
set -euo pipefail

die() { printf 'soak.sh: error: %s\n' "$*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: .scripts/soak.sh <seconds> <threads> [none|address|thread] [seed]"
seconds="$1"
threads="$2"
sanitizer="${3:-none}"
seed="${4:-}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift_bin="${SWIFT:-swift}"
command -v "$swift_bin" >/dev/null 2>&1 || die "swift is not on PATH"
clang_bin="${CLANG:-$(dirname "$(command -v "$swift_bin")")/clang}"
[ -x "$clang_bin" ] || die "no clang next to swift ($clang_bin); set CLANG"

case "$sanitizer" in
    none) scratch="$root/.build-soak"; swift_san=(); c_san=() ;;
    address | thread)
        scratch="$root/.build-soak-$sanitizer"
        swift_san=(--sanitize="$sanitizer")
        c_san=(-fsanitize="$sanitizer")
        if [ "$sanitizer" = thread ]; then
            # The toolchain's TSan runtime intercepts libdispatch: link the toolchain's copy.
            runtime="$(dirname "$(command -v "$swift_bin")")/../lib/swift/linux"
            c_san+=(-L"$runtime" -Wl,-rpath,"$runtime" -ldispatch -lBlocksRuntime)
        fi ;;
    *) die "sanitizer must be none, address or thread, got '$sanitizer'" ;;
esac

echo "soak.sh: building libdaf (release${swift_san:+, $sanitizer sanitizer}) in ${scratch#"$root"/}/"
# The build's own status decides (pipefail): grep only trims progress lines, and a failed build
# must stop here rather than leave the previous libdaf.so to be soaked.
status=0
"$swift_bin" build -c release --product daf --scratch-path "$scratch" "${swift_san[@]}" 2>&1 |
    { grep -vE '^\[[0-9]+/[0-9]+\]|Cannot export local symbol' || true; } || status=$?
[ "$status" -eq 0 ] || die "the build of libdaf failed (status $status)"
lib_dir="$("$swift_bin" build -c release --scratch-path "$scratch" --show-bin-path)"
[ -f "$lib_dir/libdaf.so" ] || die "the build did not produce $lib_dir/libdaf.so"
rm -f "$scratch/soak"
"$clang_bin" -std=c11 -g -O2 -Wall -Wextra -Werror -pthread "${c_san[@]}" -I"$root/include" \
    "$root/Tests/Soak/soak.c" -o "$scratch/soak" -L"$lib_dir" -ldaf -Wl,-rpath,"$lib_dir" -lm 2>&1 |
    { grep -v 'Cannot export local symbol' || true; } || die "the soak did not build"
[ -x "$scratch/soak" ] || die "the soak did not build"

# Reports of a sanitizer end the run with a nonzero status.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}"
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
"$scratch/soak" "$seconds" "$threads" $seed
