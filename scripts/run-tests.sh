#!/bin/sh
# Run test programs one after another; print a one-line total and fail if
# any program failed. Usage: run-tests.sh LABEL PROGRAM...
set -u
label=$1; shift
passed=0; failed=0; failed_names=""
for t in "$@"; do
    echo "== $label: $(basename "$t")"
    if "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names="$failed_names $(basename "$t")"
    fi
done
[ -n "$failed_names" ] && echo "$label: failed:$failed_names"
echo "$label programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
