#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install.sh — builds the release libdaf.so and installs it, with daf.h and daf.pc, under $PREFIX.
# Usage: PREFIX=/some/dir bash .scripts/install.sh   (PREFIX defaults to /usr/local; any cwd works)
# The library carries the Swift runtime statically (-static-stdlib), exports only the daf_*
# functions (Sources/DAF/Exports/libdaf.map) and has the SONAME libdaf.so.0. This script is the
# way to build the library for use: a plain `swift build -c release --product daf` leaves a
# libdaf.so that exports mangled Swift symbols, has no SONAME and loads the Swift runtime from
# the toolchain's folder (its RUNPATH); the flags below cannot go into Package.swift because
# -static-stdlib there breaks `swift test`. This is not a package manager: there is no
# uninstall, and a second run simply overwrites the same files.
set -euo pipefail

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

# PREFIX is taken relative to the caller's directory, before we move to the repository root.
prefix="${PREFIX:-/usr/local}"
[ -n "$prefix" ] || die "PREFIX is empty"
case "$prefix" in
    /*) ;;
    *) prefix="$PWD/$prefix" ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

swift_bin="${SWIFT:-swift}"
command -v "$swift_bin" >/dev/null 2>&1 ||
    die "'$swift_bin' was not found on PATH. libdaf is built with the Swift toolchain (6.3 or newer): install it and put its usr/bin on PATH (or set SWIFT=/path/to/swift)."

header="$root/include/daf.h"
template="$root/pkgconfig/daf.pc.in"
map="$root/Sources/DAF/Exports/libdaf.map"
for f in "$header" "$template" "$map"; do
    [ -f "$f" ] || die "missing $f (is this a complete libdaf checkout?)"
done

# The version lives in one place: the DAF_VERSION_* macros of the public header.
version_part() {
    sed -n "s/^[[:space:]]*#[[:space:]]*define[[:space:]][[:space:]]*DAF_VERSION_$1[[:space:]][[:space:]]*\([0-9][0-9]*\).*/\1/p" "$header" | head -n 1
}
major="$(version_part MAJOR)"
minor="$(version_part MINOR)"
patch="$(version_part PATCH)"
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$patch" ] ||
    die "could not read DAF_VERSION_MAJOR/MINOR/PATCH from include/daf.h"
version="$major.$minor.$patch"

scratch="$root/.build-release"
build_flags=(-c release --product daf --scratch-path "$scratch"
    -Xswiftc -static-stdlib
    -Xlinker "--version-script=$map"
    -Xlinker -soname=libdaf.so.0)

bin_dir="$("$swift_bin" build -c release --scratch-path "$scratch" --show-bin-path)"
# SwiftPM does not relink when only linker flags or the export map change: removing the
# previous output forces a (cheap) relink, so the flags above always take effect.
rm -f "$bin_dir/libdaf.so"

say "building libdaf $version (release, static Swift runtime) in .build-release/"
"$swift_bin" build "${build_flags[@]}"

built="$bin_dir/libdaf.so"
[ -f "$built" ] || die "the build finished but $built does not exist"

work="$(mktemp -d "${TMPDIR:-/tmp}/daf-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Strip debug information only if that provably leaves the exported daf_* symbols alone.
exported_symbols() { nm -D --defined-only "$1" | awk '{ print $NF }' | sort; }
payload="$built"
stripped_note="not stripped"
if command -v strip >/dev/null 2>&1 && command -v nm >/dev/null 2>&1; then
    if strip --strip-unneeded -o "$work/libdaf.so" "$built"; then
        before="$(exported_symbols "$built")"
        after="$(exported_symbols "$work/libdaf.so")"
        if [ -n "$before" ] && [ "$before" = "$after" ]; then
            payload="$work/libdaf.so"
            stripped_note="stripped, $(printf '%s\n' "$after" | grep -c '^daf_') daf_* symbols kept"
        else
            say "warning: strip changed the exported symbols; installing the unstripped library"
        fi
    else
        say "warning: strip failed; installing the unstripped library"
    fi
else
    say "note: strip or nm not found (package binutils); installing the unstripped library"
fi

libdir="$prefix/lib"
includedir="$prefix/include"
pcdir="$libdir/pkgconfig"
mkdir -p "$libdir" "$includedir" "$pcdir"

# Install through a temporary name and a rename, so a process that has the old library
# mapped keeps a valid file.
real="libdaf.so.$version"
install -m 0755 "$payload" "$libdir/.$real.tmp"
mv -f "$libdir/.$real.tmp" "$libdir/$real"
ln -sfn "$real" "$libdir/libdaf.so.0"
ln -sfn "$real" "$libdir/libdaf.so"

install -m 0644 "$header" "$includedir/daf.h"
installed_headers=("$includedir/daf.h")
if [ -f "$root/include/daf.hpp" ]; then
    install -m 0644 "$root/include/daf.hpp" "$includedir/daf.hpp"
    installed_headers+=("$includedir/daf.hpp")
fi

# sed replacement text: escape the characters that are special there (\, & and the delimiter).
sed_escape() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|@PREFIX@|$(sed_escape "$prefix")|g" -e "s|@VERSION@|$(sed_escape "$version")|g" \
    "$template" >"$work/daf.pc"
install -m 0644 "$work/daf.pc" "$pcdir/daf.pc"

say "installed libdaf $version under $prefix:"
say "  $libdir/$real ($(wc -c <"$libdir/$real" | tr -d ' ') bytes, $stripped_note)"
say "  $libdir/libdaf.so.0 -> $real"
say "  $libdir/libdaf.so -> $real"
for h in "${installed_headers[@]}"; do say "  $h"; done
say "  $pcdir/daf.pc"
say "use it with: PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs daf"
