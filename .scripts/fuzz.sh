#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh — builds libdaf with AddressSanitizer and libFuzzer's coverage instrumentation (the
# Swift code itself, not just the harness), links a libFuzzer target from Tests/Fuzz/ against
# it, and runs it for a while on the corpus kept in the repository. LeakSanitizer is on.
#
# Usage: .scripts/fuzz.sh <codec|calls> <seconds> [more libFuzzer flags]
#        .scripts/fuzz.sh <codec|calls> minimize     rewrites Tests/Fuzz/corpus/<target>/ as the
#                                                    smallest set with the same coverage
#        .scripts/fuzz.sh <codec|calls> seed         writes the first seeds (Tests/Fuzz/make_seeds.c)
# New inputs go to .build-fuzz/corpus-<target>/ (not the repository); a crash, leak or
# sanitizer report stops the run with exit status 1 and leaves the input in .build-fuzz/.
# Everything it builds goes under .build-fuzz/.
set -euo pipefail

die() { printf 'fuzz.sh: error: %s\n' "$*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: .scripts/fuzz.sh <codec|calls> <seconds|minimize> [libFuzzer flags]"
target="$1"
mode="$2"
shift 2
case "$target" in codec | calls) ;; *) die "unknown target '$target' (codec or calls)" ;; esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scratch="$root/.build-fuzz"
swift_bin="${SWIFT:-swift}"
command -v "$swift_bin" >/dev/null 2>&1 || die "swift is not on PATH"
# The toolchain's clang: its libFuzzer and sanitizer runtimes match the Swift compiler's.
clang_bin="${CLANG:-$(dirname "$(command -v "$swift_bin")")/clang}"
[ -x "$clang_bin" ] || die "no clang next to swift ($clang_bin); set CLANG"

# SwiftPM's --sanitize=fuzzer instruments executables only (swiftc drops it for a library), so
# the coverage flags are given to swiftc directly; libFuzzer in the harness collects the
# library's counters as a second module. This scratch path is only ever built with these
# flags (SwiftPM does not rebuild when only flags change).
swift_flags=(-c release --product daf --scratch-path "$scratch" --sanitize=address
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table)
echo "fuzz.sh: building libdaf (release, ASan, coverage) in .build-fuzz/"
# The build's own status decides (pipefail): grep only trims progress lines, and a failed build
# must stop here rather than leave the previous libdaf.so to be fuzzed.
status=0
"$swift_bin" build "${swift_flags[@]}" 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]|Cannot export local symbol' || true; } || status=$?
[ "$status" -eq 0 ] || die "the build of libdaf failed (status $status)"
lib_dir="$("$swift_bin" build -c release --scratch-path "$scratch" --show-bin-path)"
[ -f "$lib_dir/libdaf.so" ] || die "the build did not produce $lib_dir/libdaf.so"

# The linker's notes about the ASan runtime's local symbols are left out (they are harmless).
quiet_link() { grep -v 'Cannot export local symbol' || true; }
binary="$scratch/fuzz-$target"
rm -f "$binary"
"$clang_bin" -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address \
    -I"$root/include" "$root/Tests/Fuzz/fuzz_$target.c" -o "$binary" \
    -L"$lib_dir" -ldaf -Wl,-rpath,"$lib_dir" -lm 2>&1 | quiet_link
[ -x "$binary" ] || die "the fuzz target did not build"

corpus="$root/Tests/Fuzz/corpus/$target"
mkdir -p "$corpus"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# The Swift runtime's crash handler would walk other threads' stacks after a report (ASan
# flags its reads) and slow every crash down: libFuzzer prints what is needed.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

if [ "$mode" = seed ]; then
    "$clang_bin" -std=c11 -g -O1 -fsanitize=address -I"$root/include" "$root/Tests/Fuzz/make_seeds.c" \
        -o "$scratch/make-seeds" -L"$lib_dir" -ldaf -Wl,-rpath,"$lib_dir" -lm 2>&1 | quiet_link
    "$scratch/make-seeds" "$target" "$corpus"
    exit 0
fi
if [ "$mode" = minimize ]; then
    fresh="$scratch/minimized-$target"
    rm -rf "$fresh"
    mkdir -p "$fresh"
    # The fewest inputs that still cover every edge: set-cover merge over edges only (plain
    # -merge keeps an input per hit-count feature: hundreds for the calls target, not tens).
    "$binary" -set_cover_merge=1 -use_counters=0 "$fresh" "$corpus" "$scratch/corpus-$target" "$@"
    rm -f "$corpus"/*
    cp "$fresh"/* "$corpus"/
    echo "fuzz.sh: Tests/Fuzz/corpus/$target/ now holds $(ls "$corpus" | wc -l) inputs"
    exit 0
fi

case "$mode" in '' | *[!0-9]*) die "seconds must be a number, got '$mode'" ;; esac
mkdir -p "$scratch/corpus-$target"
echo "fuzz.sh: running fuzz-$target for $mode s on Tests/Fuzz/corpus/$target/ ($(ls "$corpus" | wc -l) inputs)"
# The first directory receives new inputs; crash inputs are written into .build-fuzz/.
"$binary" -max_total_time="$mode" -print_final_stats=1 -detect_leaks=1 \
    -artifact_prefix="$scratch/" "$@" "$scratch/corpus-$target" "$corpus"
