#!/usr/bin/env bash
# Line coverage of the product code in Sources/, from the profiles an instrumented test run left
# (`LEMMING_COVERAGE=1 scripts/test`, which builds and tests with --enable-code-coverage). Prints
# the total and each target's line coverage and writes:
#
#   .build/coverage/summary.txt   the same table, for people and CI logs
#   .build/coverage/files.txt     llvm-cov's per-file report (regions, functions, lines)
#   .build/coverage/lcov.info     the lines in lcov format (editors, genhtml)
#   .build/coverage/html/         with --html: llvm-cov's annotated sources
#
# Fails when the total is under the floor in .ci/coverage-floor (a percentage, set just under
# what the suite measures, so a change that drops tested code or adds untested code shows).
#
# What counts: every line of Sources/ that the compiler instruments, executed by the test binary
# or by the `lemming` processes the tests start (their profiles land in the same folder through
# LLVM_PROFILE_FILE). Not counted: Tests/ and the dependencies in .build/ (not ours);
# Sources/LemmingTesting (test support code: fakes and fixtures, not the product); and
# Sources/LemmingBench (`lemming-bench` is a measuring tool run by hand, not shipped and not run by
# the tests). The dashboard's JavaScript is not Swift and is not measured here (its browser tests
# in Tests/Browser exercise it).
set -euo pipefail
cd "$(dirname "$0")/.."

html=false
[[ ${1:-} == --html ]] && html=true

bin=.build/debug
profiles=$bin/codecov
out=.build/coverage
floor_file=.ci/coverage-floor

shopt -s nullglob
raw=("$profiles"/*.profraw)
if ((${#raw[@]} == 0)); then
    echo "error: no profiles in $profiles: run LEMMING_COVERAGE=1 scripts/test first" >&2
    exit 1
fi
# The test binary, and the `lemming` the end-to-end and Python tests run.
tests=$bin/lemmingPackageTests.xctest
lemming=$bin/lemming
for object in "$tests" "$lemming"; do
    if [[ ! -f $object ]]; then
        echo "error: no $object: run LEMMING_COVERAGE=1 scripts/test first" >&2
        exit 1
    fi
done

# The toolchain's LLVM tools, beside `swift`: a system llvm-profdata (/usr/bin, another LLVM) cannot
# read the profiles this compiler's runtime writes.
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
llvm_profdata=$toolchain/llvm-profdata
llvm_cov_tool=$toolchain/llvm-cov

mkdir -p "$out"
# A profile cut short (a process killed while writing it) is skipped with a warning, not fatal.
"$llvm_profdata" merge --sparse --failure-mode=all "${raw[@]}" -o "$out/merged.profdata"

ignore='(^|/)(\.build|Tests|Sources/LemmingTesting|Sources/LemmingBench)/'
# llvm-cov takes the first binary bare, the others after -object; a function both binaries hold
# counts once, with the executions of both.
llvm_cov=(-instr-profile "$out/merged.profdata" -ignore-filename-regex "$ignore" "$tests" -object "$lemming")
"$llvm_cov_tool" report "${llvm_cov[@]}" "$PWD/Sources" >"$out/files.txt"
"$llvm_cov_tool" export -format=lcov "${llvm_cov[@]}" "$PWD/Sources" >"$out/lcov.info"
if $html; then
    "$llvm_cov_tool" show -format=html -output-dir "$out/html" "${llvm_cov[@]}" "$PWD/Sources"
fi

# Per target: the lcov records' LF (lines found) and LH (lines hit) summed by Sources/<target>/.
awk -v root="$PWD/Sources/" '
    /^SF:/ { file = substr($0, 4 + length(root)); split(file, parts, "/"); target = parts[1] }
    /^LF:/ { found[target] += substr($0, 4); all_found += substr($0, 4) }
    /^LH:/ { hit[target] += substr($0, 4); all_hit += substr($0, 4) }
    END {
        printf "%-20s %8s %8s %8s\n", "target", "lines", "missed", "cover"
        for (target in found) {
            printf "%-20s %8d %8d %7.2f%%\n", target, found[target], found[target] - hit[target],
                100 * hit[target] / found[target] | "sort"
        }
        close("sort")
        printf "%-20s %8d %8d %7.2f%%\n", "TOTAL", all_found, all_found - all_hit, 100 * all_hit / all_found
    }' "$out/lcov.info" >"$out/summary.txt"
cat "$out/summary.txt"

total=$(awk '$1 == "TOTAL" { sub("%", "", $4); print $4 }' "$out/summary.txt")
floor=$(tr -d '[:space:]' <"$floor_file")
echo "line coverage of Sources/: $total% (floor $floor%; per file: $out/files.txt)"
if awk -v total="$total" -v floor="$floor" 'BEGIN { exit !(total < floor) }'; then
    echo "error: line coverage $total% is under the floor of $floor% in $floor_file" >&2
    exit 1
fi
