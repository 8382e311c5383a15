# SPDX-License-Identifier: MIT
# checks.sh — the check helpers the C suites' drivers share (Tests/CABI/run.sh on this machine,
# .scripts/aarch64-check.sh under qemu): PASS/FAIL lines and counts, and the checks both make of
# a built libdaf.so and of the C training example. Sourced, never run; it runs nothing itself.

passed=0
failed=0
pass() { printf 'PASS %s\n' "$1"; passed=$((passed + 1)); }
fail() {
    printf 'FAIL %s\n' "$1"
    shift
    [ $# -gt 0 ] && printf '     %s\n' "$@"
    failed=$((failed + 1))
}
indent() { sed 's/^/    /'; }

# The library's defined dynamic symbols are exactly daf.h's functions, and nothing else.
# Usage: check_exports LIB HEADER NM   (NM: nm, or a cross nm such as aarch64-linux-gnu-nm)
check_exports() {
    local lib="$1" header="$2" nm_tool="$3" declared exported missing extra others
    declared="$(grep -oE '\bdaf_[a-z0-9_]+\s*\(' "$header" | sed -E 's/\s*\($//' | sort -u)"
    exported="$("$nm_tool" -D --defined-only "$lib" 2>/dev/null | awk '$2 ~ /^[TWi]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u)"
    missing="$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))"
    extra="$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))"
    if [ -n "$declared" ] && [ -z "$missing" ] && [ -z "$extra" ]; then
        pass "exported functions are exactly the $(printf '%s\n' "$declared" | wc -l) declared in daf.h"
    else
        # shellcheck disable=SC2086
        fail "exported functions are exactly those declared in daf.h" \
            "declared but not exported: $(printf '%s ' $missing)" "exported but not declared: $(printf '%s ' $extra)"
    fi
    others="$("$nm_tool" -D --defined-only "$lib" 2>/dev/null | awk '{ print $NF }' | grep -v '^daf_' | head -n 20)"
    if [ -z "$others" ]; then
        pass "no other defined dynamic symbol (no Swift or C++ runtime symbols leak)"
    else
        # shellcheck disable=SC2086
        fail "no other defined dynamic symbol" "found: $(printf '%s ' $others)"
    fi
}

# The SONAME is libdaf.so.0.   Usage: check_soname LIB
check_soname() {
    local soname
    soname="$(readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
    if [ "$soname" = "libdaf.so.0" ]; then
        pass "SONAME is libdaf.so.0"
    else
        fail "SONAME is libdaf.so.0" "got: '$soname'"
    fi
}

# No RPATH or RUNPATH into a build machine's folders ($ORIGIN is fine).   Usage: check_runpath LIB
check_runpath() {
    local rpath
    rpath="$(readelf -d "$1" | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p')"
    if printf '%s' "$rpath" | grep -q '/'; then
        fail "no RPATH/RUNPATH into a build machine's folders" "got: $rpath"
    else
        pass "no RPATH/RUNPATH into a build machine's folders${rpath:+ (has: $rpath)}"
    fi
}

# examples/c/train_mlp's verdict from its two runs (fp32, then --daf): both learned (final loss
# far below chance, ln 10 = 2.30) and libdaf's loss follows fp32's.
# Usage: check_training NAME FP32_STATUS FP32_LOG DAF_STATUS DAF_LOG
check_training() {
    local name="$1" fp32_status="$2" fp32_log="$3" daf_status="$4" daf_log="$5" fp32_loss daf_loss
    fp32_loss="$(printf '%s\n' "$fp32_log" | awk '$1 == "final:" { print $3 }')"
    daf_loss="$(printf '%s\n' "$daf_log" | awk '$1 == "final:" { print $3 }')"
    if [ "$fp32_status" -eq 0 ] && [ "$daf_status" -eq 0 ] && [ -n "$fp32_loss" ] && [ -n "$daf_loss" ] &&
        awk -v f="$fp32_loss" -v d="$daf_loss" 'BEGIN { exit !(f < 0.8 && d < 0.8 && d < f + 0.1) }'; then
        pass "$name learns; libdaf's loss $daf_loss follows fp32's $fp32_loss"
    else
        fail "$name learns; libdaf's loss follows fp32's" \
            "exit $fp32_status/$daf_status, final loss fp32 '$fp32_loss', libdaf '$daf_loss' (want both < 0.8, libdaf < fp32 + 0.1)"
    fi
}
