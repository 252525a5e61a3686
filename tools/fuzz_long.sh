#!/usr/bin/env bash
# Reruns the differential property tests (tests/test_fuzz_*.py) with many random examples.
#
#   tools/fuzz_long.sh --long [--examples N] [pytest arguments ...]
#
# Without --long the tests run as in CI: a small derandomized count each, the same examples on
# every machine. --long gives each test N examples (default 2000) from fresh random seeds;
# a failure prints hypothesis's @reproduce_failure blob to replay it. Extra arguments go to
# pytest, e.g. one file: tools/fuzz_long.sh --long tests/test_fuzz_views.py
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
examples=0
files=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) examples=${examples/#0/2000}; shift ;;
    --examples) examples=${2:?--examples needs a count}; shift 2 ;;
    tests/*|*/tests/*) files+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#files[@]} -gt 0 ] || files=("$here"/tests/test_fuzz_*.py)
export EMBER_FUZZ_EXAMPLES=$examples
export PYTHONPATH="$here/python${PYTHONPATH:+:$PYTHONPATH}"
cd "$here"
exec nice python -m pytest -n 2 -q -p no:benchmark "${files[@]}" "${args[@]}"
