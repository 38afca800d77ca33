#!/bin/sh
# Run test programs one after another; print a one-line total and fail if
# any program failed. Usage: run-tests.sh LABEL PROGRAM...
#
# A failed program's output, and the end of the daemon logs its tests left
# behind (tests/support/testd.c lists its directories in ISLANDS_TEST_DIRS),
# are printed again after the total: a log that keeps only the end of the
# run still shows why.
set -u
label=$1; shift
passed=0; failed=0; failed_names=""
work=$(mktemp -d "${TMPDIR:-/tmp}/islands-run-tests-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
for t in "$@"; do
    name=$(basename "$t")
    echo "== $label: $name"
    : > "$work/$name.dirs"
    status=0
    { ISLANDS_TEST_DIRS="$work/$name.dirs" "$t"; echo $? > "$work/$name.rc"; } 2>&1 |
        tee "$work/$name.out"
    read -r status < "$work/$name.rc" || status=1
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names="$failed_names $name"
    fi
done
for name in $failed_names; do
    echo "== $label: $name failed; the end of its output:"
    tail -n 40 "$work/$name.out"
    # Directories still here belong to tests that stopped at an assertion.
    while read -r dir; do
        [ -f "$dir/islandsd.log" ] || continue
        echo "-- the end of $dir/islandsd.log:"
        tail -n 30 "$dir/islandsd.log"
        rm -rf "$dir"
    done < "$work/$name.dirs"
done
[ -n "$failed_names" ] && echo "$label: failed:$failed_names"
echo "$label programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
