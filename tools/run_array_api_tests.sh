#!/usr/bin/env bash
# Runs the array API conformance suite (data-apis/array-api-tests) against ember's namespace.
#
#   tools/run_array_api_tests.sh /path/to/array-api-tests [pytest arguments ...]
#
# The suite is not part of ember: check it out (with its array-api submodule, which holds the
# spec's signature stubs) anywhere outside this tree, and install its requirements
# (pytest, hypothesis, ndindex). Extra arguments go to pytest, e.g. a single module:
#   tools/run_array_api_tests.sh ~/array-api-tests array_api_tests/test_creation_functions.py
set -euo pipefail
suite=${1:?usage: $0 /path/to/array-api-tests [pytest args ...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$suite"
export ARRAY_API_TESTS_MODULE=ember
export ARRAY_API_TESTS_VERSION=2024.12
export PYTHONPATH="$here/python${PYTHONPATH:+:$PYTHONPATH}"
# max-examples 20 keeps a full run to minutes; the suite's --disable-extension fft skips ember.fft
# where it is not there.
exec python -m pytest -q -p no:benchmark --max-examples=20 --hypothesis-disable-deadline "$@"
