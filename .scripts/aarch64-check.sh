#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# aarch64-check.sh — cross-builds the release libdaf.so for aarch64-unknown-linux-gnu on this
# x86-64 Linux machine and runs the C suites (ABI test, bad-input matrix, C quickstart, C training
# example) under qemu-aarch64 with 4, 16 and 64 KiB pages. It is not a test on ARM hardware:
# qemu keeps the host's strong memory ordering, and the Swift tests cannot be cross-built here.
#
# Usage: .scripts/aarch64-check.sh          (any cwd; as root, or with sudo for missing tools)
# Exit: 0 every check passed; 1 a build or a check failed; 77 skipped, with the reason on the
# last line (`aarch64-check.sh: skip: ...`): not an x86-64 Linux host, a tool that cannot be
# installed, the package registry out of reach, or a package gone from it.
#
# The target's Swift standard library and C sysroot are Debian's arm64 packages of suite
# $DAF_AARCH64_SUITE (default sid), fetched by name with apt's own tools through a private apt
# configuration (the system's apt state and architectures are untouched) and unpacked with
# dpkg -x under .build-aarch64/. The first run downloads ~0.6 GB; later runs reuse the unpacked
# sysroot (DAF_AARCH64_REFRESH=1 fetches again). The installed Swift compiler rebuilds the
# standard library's modules from their .swiftinterface files (it refuses another version's
# binary modules); the library links the static .a files (-static-stdlib), as install.sh does.
set -uo pipefail # not -e: a failed check is recorded and the next one still runs

started=$SECONDS
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="$root/.build-aarch64"
suite="${DAF_AARCH64_SUITE:-sid}"
pages=(4096 16384 65536)
train_steps=200

say() { printf 'aarch64-check.sh: %s\n' "$*"; }
skip() { say "skip: $*"; exit 77; }
# shellcheck source=Tests/CABI/checks.sh
. "$root/Tests/CABI/checks.sh" # pass, fail, indent, check_exports, check_soname, check_training
summary() {
    printf 'aarch64 check: %d passed, %d failed (%d s)\n' "$passed" "$failed" $((SECONDS - started))
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] || skip "not an x86-64 Linux host ($(uname -sm))"
swift_bin="${SWIFT:-swift}"
command -v "$swift_bin" >/dev/null 2>&1 || skip "'$swift_bin' is not on PATH"

# --- host tools (Debian: qemu-user, gcc-aarch64-linux-gnu, lld) ---------------------------------
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    command -v apt-get >/dev/null 2>&1 || skip "no apt-get to install ${missing[*]}"
    { [ -z "$sudo" ] || command -v sudo >/dev/null 2>&1; } || skip "not root and no sudo to install ${missing[*]}"
    mkdir -p "$cache"
    $sudo apt-get update >"$cache/host-apt.log" 2>&1 ||
        skip "apt-get update failed (registry out of reach?); see .build-aarch64/host-apt.log"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}" >>"$cache/host-apt.log" 2>&1 ||
        skip "apt-get install ${missing[*]} failed; see .build-aarch64/host-apt.log"
fi

# --- the target's sysroot and Swift standard library -------------------------------------------
sysroot="$cache/sysroot"
resource="$sysroot/usr/lib/swift_static" # where swiftc -static-stdlib looks for swiftrt.o
ready="$cache/sysroot.ready"             # the package list the sysroot was unpacked from
if [ ! -f "$ready" ] || [ "${DAF_AARCH64_REFRESH:-0}" = 1 ]; then
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f "$keyring" ] || skip "no Debian archive keyring ($keyring; apt-get install debian-archive-keyring)"
    # The system's own Debian mirror, else deb.debian.org.
    mirror="${DAF_AARCH64_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    apt_dir="$cache/apt"
    rm -rf "$apt_dir" "$cache/debs" "$sysroot" "$ready"
    mkdir -p "$apt_dir"/{etc/sources.list.d,etc/preferences.d,state/lists/partial,cache/archives/partial} "$cache/debs"
    touch "$apt_dir/state/status"
    printf 'deb [arch=arm64 signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite" >"$apt_dir/etc/sources.list"
    cat >"$apt_dir/apt.conf" <<EOF
Dir::State "$apt_dir/state";
Dir::Cache "$apt_dir/cache";
Dir::Etc::SourceList "$apt_dir/etc/sources.list";
Dir::Etc::SourceParts "$apt_dir/etc/sources.list.d";
Dir::Etc::Preferences "$apt_dir/etc/preferences";
Dir::Etc::PreferencesParts "$apt_dir/etc/preferences.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; "arm64"; };
APT::Sandbox::User "root";
EOF
    export APT_CONFIG="$apt_dir/apt.conf"
    say "fetching the arm64 package lists of Debian $suite from $mirror"
    apt-get update >"$cache/apt.log" 2>&1 || skip "apt-get update of $mirror $suite failed (registry out of reach?); see .build-aarch64/apt.log"
    # The gcc release whose runtime libstdc++6 comes from (gcc-16 -> 16).
    gcc_major="$(apt-cache show libstdc++6:arm64 2>/dev/null | sed -n 's/^Source: gcc-\([0-9][0-9]*\).*/\1/p' | head -n 1)"
    [ -n "$gcc_major" ] || skip "Debian $suite has no arm64 libstdc++6 (package gone?)"
    swiftlang_version="$(apt-cache show swiftlang:arm64 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)"
    [ -n "$swiftlang_version" ] || skip "Debian $suite has no arm64 swiftlang (package gone?)"
    # The host compiler reads the interfaces of an older or equal standard library, not newer.
    host_version="$("$swift_bin" --version 2>&1 | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1)"
    newest="$(printf '%s\n%s\n' "${swiftlang_version%%-*}" "$host_version" | sort -V | tail -n 1)"
    [ "$newest" = "$host_version" ] || skip "Debian $suite's swiftlang $swiftlang_version is newer than this Swift $host_version"
    packages=(swiftlang:arm64 libc6:arm64 libc6-dev:arm64 linux-libc-dev libgcc-s1:arm64 libstdc++6:arm64
        "libgcc-$gcc_major-dev:arm64" "libstdc++-$gcc_major-dev:arm64" libatomic1:arm64 libgomp1:arm64
        libopenblas0-pthread:arm64 libopenblas-pthread-dev:arm64 libgfortran5:arm64 zlib1g:arm64 zlib1g-dev:arm64)
    say "downloading ${packages[*]}"
    (cd "$cache/debs" && apt-get download "${packages[@]}") >>"$cache/apt.log" 2>&1 ||
        skip "apt-get download from Debian $suite failed (a package gone?): $(grep -E '^E:' "$cache/apt.log" | head -n 2 | tr '\n' ' ')"
    mkdir -p "$sysroot/usr/lib"
    for deb in "$cache"/debs/*.deb; do
        case "$(basename "$deb")" in
        swiftlang_*) # only its static standard library (a complete resource directory)
            dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$sysroot/usr/lib" --strip-components=5 \
                ./usr/libexec/swift/lib/swift_static || { fail "unpack $deb"; summary; } ;;
        *) dpkg -x "$deb" "$sysroot" || { fail "unpack $deb"; summary; } ;;
        esac
    done
    ln -sfn usr/lib "$sysroot/lib" # merged /usr: libc.so names /lib/ld-linux-aarch64.so.1
    # The 6.3 compiler refuses binary modules of another compiler: rebuild from the interfaces.
    find "$resource" -name 'aarch64-unknown-linux-gnu.swiftmodule' -type f -delete
    # The compiler's own clang headers (the package's link points into its own toolchain).
    host_clang="$(dirname "$(readlink -f "$(command -v "$swift_bin")")")/../lib/swift/clang"
    [ -d "$host_clang" ] || { fail "the host toolchain's lib/swift/clang exists" "$host_clang"; summary; }
    rm -f "$resource/clang"
    ln -s "$(cd "$host_clang" && pwd)" "$resource/clang"
    rm -rf "$cache/debs" "$apt_dir/cache/archives"/*.deb # unpacked; ~0.6 GB less on disk
    printf '%s\n' "Debian $suite from $mirror" "swiftlang $swiftlang_version" "gcc runtime $gcc_major" >"$ready"
    unset APT_CONFIG
fi
glibc="$(sed -n 's/^#define[[:space:]]*__GLIBC_MINOR__[[:space:]]*\([0-9]*\)/2.\1/p' "$sysroot/usr/include/features.h")"
say "sysroot: $(paste -sd ',' "$ready" | sed 's/,/, /g'), glibc $glibc"

# --- cross-build the release library ------------------------------------------------------------
header="$root/include/daf.h"
version="$(sed -n 's/^#define DAF_VERSION_STRING "\(.*\)"$/\1/p' "$header")"
map="$root/Sources/DAF/Exports/libdaf.map"
say "building libdaf $version for aarch64-unknown-linux-gnu (release, static Swift runtime)"
build_started=$SECONDS
# DAF_TARGET_ARCH: Package.swift cannot see --triple (see its opening comment).
if ! DAF_TARGET_ARCH=aarch64 "$swift_bin" build -c release --product daf --scratch-path "$cache/build" \
    --triple aarch64-unknown-linux-gnu --sdk "$sysroot" -Xswiftc -sdk -Xswiftc "$sysroot" \
    -Xswiftc -resource-dir -Xswiftc "$resource" -Xswiftc -use-ld=lld -Xswiftc -static-stdlib \
    -Xlinker "--version-script=$map" -Xlinker -soname=libdaf.so.0 >"$cache/build.log" 2>&1; then
    tail -n 40 "$cache/build.log" | indent
    fail "swift build --triple aarch64-unknown-linux-gnu" "full log: .build-aarch64/build.log"
    summary
fi
pass "swift build --triple aarch64-unknown-linux-gnu ($((SECONDS - build_started)) s)"
prefix="$cache/prefix"
rm -rf "$prefix"
mkdir -p "$prefix/lib" "$prefix/include"
lib="$prefix/lib/libdaf.so.$version"
aarch64-linux-gnu-strip --strip-unneeded -o "$lib" "$cache/build/aarch64-unknown-linux-gnu/release/libdaf.so"
ln -s "libdaf.so.$version" "$prefix/lib/libdaf.so.0"
ln -s "libdaf.so.$version" "$prefix/lib/libdaf.so"
cp "$header" "$prefix/include/daf.h"

# --- what the library is (the checks of Tests/CABI/run.sh) -------------------------------------
machine="$(readelf -h "$lib" | sed -n 's/^ *Machine: *//p')"
if [ "$machine" = AArch64 ]; then pass "libdaf.so.$version is an AArch64 ELF ($(stat -c %s "$lib") bytes stripped)"
else fail "libdaf.so.$version is an AArch64 ELF" "readelf: '$machine'"; fi
check_exports "$lib" "$header" aarch64-linux-gnu-nm
needed="$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "    NEEDED: $needed"
printf '%s' "$needed" | grep -qiE 'swift|Foundation|dispatch|BlocksRuntime' &&
    fail "no Swift runtime library in NEEDED" || pass "no Swift runtime library in NEEDED"
check_soname "$lib"
check_runpath "$lib"
# The oldest C and C++ runtimes a board may have: the newest symbol versions the library uses.
newest_version() { readelf -V "$lib" | grep -oE "$1_[0-9]+(\.[0-9]+)+" | sort -uV | tail -n 1; }
floor="$(newest_version GLIBC)"
floor_symbols="$(aarch64-linux-gnu-objdump -T "$lib" | awk -v v="($floor)" '$0 ~ v { print $NF }' | sort -u | paste -sd ' ')"
say "glibc floor: needs $floor ($floor_symbols) and $(newest_version GLIBCXX); built against glibc $glibc"

# --- the C suites, cross-compiled as a user would compile them ---------------------------------
out="$cache/c"
rm -rf "$out"
mkdir -p "$out"
cc=(aarch64-linux-gnu-gcc --sysroot="$sysroot" -B "$sysroot/usr/lib/aarch64-linux-gnu")
c_flags=(-std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$prefix/include")
link=(-L"$prefix/lib" -ldaf)
blas="$sysroot/usr/lib/aarch64-linux-gnu/openblas-pthread"
compile() { # name, then the compiler arguments
    local name="$1" log
    shift
    if log="$("${cc[@]}" "$@" 2>&1)"; then pass "$name compiles for aarch64"
    else fail "$name compiles for aarch64"; printf '%s\n' "$log" | tail -n 30 | indent; fi
}
compile abi_test "${c_flags[@]}" -pthread "$root"/Tests/CABI/abi_test/*.c -o "$out/abi_test" "${link[@]}" -lm
compile bad_input "${c_flags[@]}" "$root/Tests/CABI/bad_input.c" -o "$out/bad_input" "${link[@]}" -lm
compile quickstart "${c_flags[@]}" "$root/examples/c/quickstart.c" -o "$out/quickstart" "${link[@]}"
compile train_mlp -std=c99 -Wall -Wextra -Werror -O2 -I"$prefix/include" -fopenmp -I"$sysroot/usr/include/aarch64-linux-gnu/openblas-pthread" \
    "$root/examples/c/train_mlp.c" -o "$out/train_mlp" "${link[@]}" -L"$blas" -lopenblas -lz -lm

# --- run under qemu-aarch64 with each page size (the three at once: most of qemu's time is
# translating the library's code afresh in each forked case; they share the cores) ------------
# A Cortex-A76 (Raspberry Pi 5, RK3588): qemu's default "max" CPU has SVE, for which OpenBLAS
# picks kernels that qemu emulates some ten times slower than NEON.
run_qemu() { # page size, program, arguments
    local page="$1"
    shift
    qemu-aarch64 -cpu cortex-a76 -L "$sysroot" -p "$page" -E "LD_LIBRARY_PATH=$prefix/lib:$blas" -E OMP_WAIT_POLICY=passive "$@"
}
data=/usr/share/datasets/fashion-mnist
# Prints PASS/FAIL lines (and failures' output) for the four suites with one page size.
suites_with_page() {
    local page="$1" name log status counts
    for name in abi_test bad_input; do
        [ -x "$out/$name" ] || { fail "$name with $page-byte pages" "not built"; continue; }
        log="$(run_qemu "$page" "$out/$name" 2>&1)"
        status=$?
        counts="$(printf '%s\n' "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
        if [ "$status" -eq 0 ] && [ -n "$counts" ]; then
            pass "$name with $page-byte pages: $counts"
        else
            printf '%s\n' "$log" | grep -vE '^ *PASS ' | tail -n 60 | indent
            fail "$name with $page-byte pages" "exit $status; ${counts:-no summary line}"
        fi
    done
    if [ -x "$out/quickstart" ]; then
        log="$(run_qemu "$page" "$out/quickstart" 2>&1)"
        status=$?
        if [ "$status" -eq 0 ]; then
            pass "quickstart with $page-byte pages: $(printf '%s\n' "$log" | grep -E '^(max abs error|compression)' | tr -s ' ' | paste -sd ';')"
        else
            printf '%s\n' "$log" | indent
            fail "quickstart with $page-byte pages" "exit $status"
        fi
    else
        fail "quickstart with $page-byte pages" "not built"
    fi
    if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
        fail "train_mlp with $page-byte pages" "$data is missing: apt-get install dataset-fashion-mnist (.ci/run installs it)"
    elif [ -x "$out/train_mlp" ]; then
        run_qemu "$page" "$out/train_mlp" --steps "$train_steps" --threads 1 --daf >"$out/train-daf-$page.log" 2>&1
        echo $? >"$out/train-daf-$page.status" # judged with the fp32 run once all have ended
    else
        fail "train_mlp with $page-byte pages" "not built"
    fi
}
qemu_started=$SECONDS
# The fp32 baseline never touches libdaf's pool: one run (4 KiB pages) serves every page size.
if [ -x "$out/train_mlp" ] && [ -f "$data/train-images-idx3-ubyte.gz" ]; then
    { run_qemu 4096 "$out/train_mlp" --steps "$train_steps" --threads 1 >"$out/train-fp32.log" 2>&1
      echo $? >"$out/train-fp32.status"; } &
fi
for page in "${pages[@]}"; do
    suites_with_page "$page" >"$out/page-$page.log" 2>&1 &
done
wait
for page in "${pages[@]}"; do
    echo "== qemu-aarch64 -p $page"
    cat "$out/page-$page.log"
    passed=$((passed + $(grep -c '^PASS ' "$out/page-$page.log")))
    failed=$((failed + $(grep -c '^FAIL ' "$out/page-$page.log")))
    if [ -f "$out/train-daf-$page.status" ] && [ -f "$out/train-fp32.status" ]; then
        fp32_log="$(cat "$out/train-fp32.log")"
        daf_log="$(cat "$out/train-daf-$page.log")"
        fp32_status="$(cat "$out/train-fp32.status")"
        daf_status="$(cat "$out/train-daf-$page.status")"
        [ "$fp32_status" -eq 0 ] && [ "$daf_status" -eq 0 ] || printf '%s\n%s\n' "$fp32_log" "$daf_log" | tail -n 30 | indent
        printf '%s\n' "$daf_log" | grep -E '^saved activations' | indent
        check_training "train_mlp ($train_steps steps, $page-byte pages)" "$fp32_status" "$fp32_log" "$daf_status" "$daf_log"
    fi
done
say "qemu runs: $((SECONDS - qemu_started)) s"

summary
