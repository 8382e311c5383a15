#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh — the C ABI suite: installs the release libdaf into <repo>/.build-release/prefix with
# .scripts/install.sh, then builds and runs the C and C++ tests and examples through pkg-config
# exactly as a user would, and checks what the installed library exports, needs and is called.
# One line per check; the last line is `N passed, N failed`; the exit status is 0 only if all
# passed. Everything it builds goes under .build-release/; nothing else in the tree is touched.
set -uo pipefail # not -e: a failed check is recorded and the next one still runs

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
prefix="$root/.build-release/prefix"
out="$root/.build-release/cabi"
here="$root/Tests/CABI"

# shellcheck source=Tests/CABI/checks.sh
. "$here/checks.sh" # pass, fail, indent and the checks shared with .scripts/aarch64-check.sh
summary() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# Runs "$@" as the check named $1's command; shows its output only when it fails.
check_quiet() {
    local name="$1"
    shift
    local log
    if log="$("$@" 2>&1)"; then
        pass "$name"
    else
        fail "$name" "command: $*"
        printf '%s\n' "$log" | tail -n 60 | indent
    fi
}

# Runs "$@" as the check named $1's command and always shows its output.
check_loud() {
    local name="$1"
    shift
    local log status
    log="$("$@" 2>&1)"
    status=$?
    printf '%s\n' "$log" | indent
    if [ "$status" -eq 0 ]; then pass "$name"; else fail "$name" "exit status $status"; fi
}

for tool in gcc g++ pkg-config nm readelf ldd; do
    command -v "$tool" >/dev/null 2>&1 || fail "tool $tool is installed" "needed by this suite (apt-get install gcc g++ pkg-config binutils)"
done
[ "$failed" -eq 0 ] || summary

# --- install ---------------------------------------------------------------------------------
echo "== installing into .build-release/prefix"
mkdir -p "$out"
if PREFIX="$prefix" bash "$root/.scripts/install.sh" >"$out/install.log" 2>&1; then
    grep '^install.sh:' "$out/install.log" | indent
    pass "install.sh builds and installs the release library"
else
    tail -n 60 "$out/install.log" | indent
    fail "install.sh builds and installs the release library" "full log: .build-release/cabi/install.log"
    summary
fi

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
header_version="$(sed -n 's/^#define DAF_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/daf.h")"
lib="$prefix/lib/libdaf.so.$header_version"
# shellcheck disable=SC2207
cflags=($(pkg-config --cflags daf))
# shellcheck disable=SC2207
libs=($(pkg-config --libs daf))

# --- the installed tree ------------------------------------------------------------------------
echo "== installed files and pkg-config"
if [ "$(pkg-config --modversion daf 2>&1)" = "$header_version" ]; then
    pass "pkg-config --modversion daf is $header_version (DAF_VERSION_STRING)"
else
    fail "pkg-config --modversion daf is $header_version" "got: $(pkg-config --modversion daf 2>&1)"
fi
if [ "${libs[*]}" = "-L$prefix/lib -ldaf" ]; then
    pass "pkg-config --libs daf is just -L<prefix>/lib -ldaf"
else
    fail "pkg-config --libs daf is just -L<prefix>/lib -ldaf" "got: ${libs[*]}"
fi
links_ok=1
for link in libdaf.so libdaf.so.0; do
    [ -L "$prefix/lib/$link" ] && [ "$(readlink "$prefix/lib/$link")" = "libdaf.so.$header_version" ] || links_ok=0
done
if [ -f "$lib" ] && [ "$links_ok" -eq 1 ]; then
    pass "lib/libdaf.so.$header_version with libdaf.so.0 and libdaf.so linking to it"
else
    fail "lib/libdaf.so.$header_version with libdaf.so.0 and libdaf.so linking to it" "$(ls -l "$prefix/lib" 2>&1 | tr '\n' ' ')"
fi
check_quiet "include/daf.h installed unchanged" cmp "$root/include/daf.h" "$prefix/include/daf.h"
check_quiet "include/daf.hpp installed unchanged" cmp "$root/include/daf.hpp" "$prefix/include/daf.hpp"

# --- compile as a user would ---------------------------------------------------------------------
echo "== compiling through pkg-config"
c_flags=(-std=c99 -pedantic -Wall -Wextra -Werror)
cxx_flags=(-std=c++11 -pedantic -Wall -Wextra -Werror)
printf '#include <daf.h>\n' >"$out/header_only.c"
check_quiet "daf.h alone compiles as C99 (gcc ${c_flags[*]})" \
    gcc "${c_flags[@]}" "${cflags[@]}" -c "$out/header_only.c" -o "$out/header_only.o"
printf '#include <daf.hpp>\n' >"$out/header_only.cpp"
check_quiet "daf.hpp alone compiles as C++11 (g++ ${cxx_flags[*]})" \
    g++ "${cxx_flags[@]}" "${cflags[@]}" -c "$out/header_only.cpp" -o "$out/header_only_cpp.o"
# abi_test/ is one program: main.c (the runner), support.c (harness, reference encoder) and one
# file per section of cases; abi_test.h declares what they share.
check_quiet "abi_test/*.c compile and link into abi_test (gcc ${c_flags[*]} -pthread)" \
    gcc "${c_flags[@]}" -O2 -pthread "${cflags[@]}" "$here"/abi_test/*.c -o "$out/abi_test" "${libs[@]}" -lm
check_quiet "bad_input.c compiles and links (gcc ${c_flags[*]})" \
    gcc "${c_flags[@]}" -O2 "${cflags[@]}" "$here/bad_input.c" -o "$out/bad_input" "${libs[@]}" -lm
check_quiet "abi_0_1_0.c compiles against the frozen 0.1.0 header and links (gcc ${c_flags[*]})" \
    gcc "${c_flags[@]}" -O2 "$here/abi_0_1_0.c" -o "$out/abi_0_1_0" "${libs[@]}" -lm
check_quiet "abi_0_1_0.c, 0.1 source, builds against today's daf.h (deprecated names warn only)" \
    gcc "${c_flags[@]}" -Wno-error=deprecated-declarations -DDAF_TEST_CURRENT_HEADER -O2 "${cflags[@]}" \
    "$here/abi_0_1_0.c" -o "$out/abi_0_1_0_current" "${libs[@]}" -lm
check_quiet "header_cxx.cpp compiles and links (g++ ${cxx_flags[*]})" \
    g++ "${cxx_flags[@]}" "${cflags[@]}" "$here/header_cxx.cpp" -o "$out/header_cxx" "${libs[@]}"
check_quiet "wrapper_cxx.cpp (daf.hpp) compiles and links (g++ ${cxx_flags[*]})" \
    g++ "${cxx_flags[@]}" "${cflags[@]}" "$here/wrapper_cxx.cpp" -o "$out/wrapper_cxx" "${libs[@]}"

# --- run ---------------------------------------------------------------------------------------
echo "== running"
if [ -x "$out/header_cxx" ]; then
    check_loud "header_cxx runs against the installed library" "$out/header_cxx"
else
    fail "header_cxx runs against the installed library" "not built"
fi
if [ -x "$out/wrapper_cxx" ]; then
    check_loud "wrapper_cxx: daf.hpp survives moved contexts; async, ranges, info, budgets" "$out/wrapper_cxx"
else
    fail "wrapper_cxx: daf.hpp survives moved contexts; async, ranges, info, budgets" "not built"
fi
if [ -x "$out/abi_test" ]; then
    check_loud "abi_test: every case passes" "$out/abi_test"
else
    fail "abi_test: every case passes" "not built"
fi

if [ -x "$out/abi_0_1_0" ]; then
    check_loud "abi_0_1_0: a program built for 0.1.0 runs against this library" "$out/abi_0_1_0"
else
    fail "abi_0_1_0: a program built for 0.1.0 runs against this library" "not built"
fi

if [ -x "$out/abi_0_1_0_current" ]; then
    check_loud "abi_0_1_0 built against today's daf.h runs" "$out/abi_0_1_0_current"
else
    fail "abi_0_1_0 built against today's daf.h runs" "not built"
fi

if [ -x "$out/bad_input" ]; then
    check_loud "bad_input: every bad argument gets its documented status and a detail" "$out/bad_input"
else
    fail "bad_input: every bad argument gets its documented status and a detail" "not built"
fi
# The "Bad input" table of Tests/README.md is generated from bad_input.c's cases: it must not drift.
readme_table="$(sed -n '/^<!-- bad-input-table -->$/,/^<!-- \/bad-input-table -->$/p' "$root/Tests/README.md" | sed '1d;$d')"
if [ -n "$readme_table" ] && [ "$readme_table" = "$(bash "$root/.scripts/bad-input-table.sh")" ]; then
    pass "Tests/README.md's Bad input table equals .scripts/bad-input-table.sh's output"
else
    fail "Tests/README.md's Bad input table equals .scripts/bad-input-table.sh's output" \
        "regenerate it: bash .scripts/bad-input-table.sh --write"
    diff <(printf '%s\n' "$readme_table") <(bash "$root/.scripts/bad-input-table.sh") | head -n 20 | indent
fi

# --- what the library is -------------------------------------------------------------------------
echo "== the installed library"
check_exports "$lib" "$prefix/include/daf.h" nm
ldd_out="$(ldd "$lib" 2>&1)"
if printf '%s\n' "$ldd_out" | grep -qiE 'libswift|libFoundation|libdispatch|libBlocksRuntime|not found'; then
    fail "ldd: no Swift runtime library and nothing missing" "$(printf '%s\n' "$ldd_out" | tr '\n' ';')"
else
    pass "ldd: no Swift runtime library and nothing missing"
fi
needed="$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "    NEEDED: $needed"
check_soname "$lib"
check_runpath "$lib"

# --- the quick-start examples --------------------------------------------------------------------
echo "== examples"
check_quiet "examples/c/quickstart.c builds through pkg-config" \
    cc -std=c99 -O2 -Wall -Wextra -Werror "${cflags[@]}" "$root/examples/c/quickstart.c" -o "$out/quickstart-c" "${libs[@]}"
if [ -x "$out/quickstart-c" ]; then
    check_loud "examples/c/quickstart runs: error within the bound, >= 14x" "$out/quickstart-c"
else
    fail "examples/c/quickstart runs" "not built"
fi
check_quiet "examples/cpp/quickstart.cpp builds through pkg-config" \
    c++ -std=c++11 -O2 -Wall -Wextra -Werror "${cflags[@]}" "$root/examples/cpp/quickstart.cpp" -o "$out/quickstart-cpp" "${libs[@]}"
if [ -x "$out/quickstart-cpp" ]; then
    check_loud "examples/cpp/quickstart runs: error within the bound, >= 14x" "$out/quickstart-cpp"
else
    fail "examples/cpp/quickstart runs" "not built"
fi

# --- the training examples ----------------------------------------------------------------------
echo "== training examples"
check_quiet "examples/cpp/train_rings.cpp (daf.hpp) builds through pkg-config" \
    c++ -std=c++11 -O2 -pedantic -Wall -Wextra -Werror "${cflags[@]}" "$root/examples/cpp/train_rings.cpp" \
    -o "$out/train_rings" "${libs[@]}"
if [ -x "$out/train_rings" ]; then
    check_loud "examples/cpp/train_rings runs: fp32 and libdaf (daf::saved guards) both learn" "$out/train_rings"
else
    fail "examples/cpp/train_rings runs" "not built"
fi

check_quiet "examples/c/train_mlp.c builds through pkg-config with OpenBLAS, OpenMP and zlib" \
    gcc -std=c99 -O2 -Wall -Wextra -Werror -fopenmp "${cflags[@]}" "$root/examples/c/train_mlp.c" \
    -o "$out/train_mlp" "${libs[@]}" -lopenblas -lz -lm
data=/usr/share/datasets/fashion-mnist
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    fail "examples/c/train_mlp trains on Fashion-MNIST" \
        "$data is missing: apt-get install dataset-fashion-mnist (.ci/run installs it)"
elif [ -x "$out/train_mlp" ]; then
    # 300 steps of 64 from the same seed, one thread each (other tests share the cores).
    fp32_log="$(OMP_WAIT_POLICY=passive "$out/train_mlp" --steps 300 --threads 1 2>&1)"
    fp32_status=$?
    daf_log="$(OMP_WAIT_POLICY=passive "$out/train_mlp" --steps 300 --threads 1 --daf 2>&1)"
    daf_status=$?
    printf '%s\n%s\n' "$fp32_log" "$daf_log" | indent
    check_training examples/c/train_mlp "$fp32_status" "$fp32_log" "$daf_status" "$daf_log"
else
    fail "examples/c/train_mlp trains on Fashion-MNIST" "not built"
fi

summary
