#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bad-input-table.sh — prints the "Bad input" table of Tests/README.md (Markdown) from the CASES
# list of Tests/CABI/bad_input.c: one row per function and result, its bad inputs joined by "; ".
# Reads only the source file (nothing is built). Tests/CABI/run.sh checks that Tests/README.md
# holds exactly this output between the markers <!-- bad-input-table --> and <!-- /bad-input-table -->.
# Usage: bash .scripts/bad-input-table.sh           print the table
#        bash .scripts/bad-input-table.sh --write   replace the table in Tests/README.md with it
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="$root/Tests/CABI/bad_input.c"
[ -f "$source_file" ] || { printf 'bad-input-table.sh: no %s\n' "$source_file" >&2; exit 1; }

if [ "${1:-}" = "--write" ]; then
    readme="$root/Tests/README.md"
    grep -q '^<!-- bad-input-table -->$' "$readme" && grep -q '^<!-- /bad-input-table -->$' "$readme" ||
        { printf 'bad-input-table.sh: Tests/README.md lacks the bad-input-table markers\n' >&2; exit 1; }
    table="$(bash "${BASH_SOURCE[0]}")"
    TABLE="$table" awk '
        /^<!-- bad-input-table -->$/ { print; print ENVIRON["TABLE"]; skipping = 1; next }
        /^<!-- \/bad-input-table -->$/ { skipping = 0 }
        !skipping { print }
    ' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
    exit 0
fi

# A case line:  X(id, "function", "bad input", RESULT, OWNER, call) \
# Consecutive cases of one function with one result share a row (the order of the file).
awk '
function result_text(token) {
    if (token == "RETURNS_0") return "returns 0"
    if (token == "NON_NULL_STRING") return "a non-NULL string"
    if (token == "UNKNOWN_STATUS_NAME") return "`\"DAF_E_UNKNOWN_STATUS\"`"
    return "`" token "`"
}
function flush() {
    if (function_name != "") printf "| `%s` | %s | %s |\n", function_name, inputs, result
}
BEGIN {
    print "| function | bad input | result |"
    print "|---|---|---|"
    cases = 0
}
/^[[:space:]]*X\([a-z0-9_]+, "/ {
    line = $0
    sub(/^[[:space:]]*X\([a-z0-9_]+, "/, "", line)
    name = line; sub(/".*/, "", name)
    sub(/^[^"]*", "/, "", line)
    bad = line; sub(/", [A-Z].*/, "", bad)
    sub(/^.*", /, "", line)
    token = line; sub(/,.*/, "", token)
    gsub(/\\"/, "\"", bad)
    gsub(/\|/, "\\|", bad)
    gsub(/\*/, "\\*", bad)
    cases++
    text = result_text(token)
    if (name == function_name && text == result) {
        inputs = inputs "; " bad
    } else {
        flush()
        function_name = name; result = text; inputs = bad
    }
}
END {
    flush()
    printf "\n%d cases in `Tests/CABI/bad_input.c`.\n", cases
}
' "$source_file"
