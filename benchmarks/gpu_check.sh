#!/usr/bin/env bash
# One pass of every GPU check on a machine with an NVIDIA GPU (H100/H200), in under 10 minutes:
# find or build ember with CUDA, run the CUDA tests, then the CUDA benchmark table.
#
#   benchmarks/gpu_check.sh OUT_DIR
#
# Run from anywhere; it works in the repository root. Each stage logs to OUT_DIR/<stage>.log
# and its status goes to OUT_DIR/summary.txt; a failing stage is recorded and the next one
# still runs. Needs python with numpy, pytest, and PyTorch with CUDA (the benchmarks' peer);
# no network.
#
# The ember build it uses, first found:
#   1. $EMBER_GPU_BUILD, or build/gpu/ (a build made elsewhere and carried here): a folder
#      holding _C.cpython-*.so (the extension) and libember.so, built with -DEMBER_CUDA=ON
#      -DEMBER_BUILD_PYTHON=ON. The extension is linked into python/ember/ and the folder put
#      on LD_LIBRARY_PATH (a build's RUNPATH names the folder it was built in).
#   2. otherwise it builds build/gpu/ here: cmake -DEMBER_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90
#      -DEMBER_BUILD_PYTHON=ON, Release, on all cores (pybind11 from `python -m pybind11`, or
#      $PYBIND11_DIR). The build stage gets at most $BUILD_LIMIT seconds (default 330).
#
# Time: the whole run keeps within TOTAL_LIMIT seconds (default 570); each stage has its own
# limit (overridable: BUILD_LIMIT=330, RUNTIME_TEST_LIMIT=45, NN_TEST_LIMIT=60,
# OPDB_TEST_LIMIT=150, CATALOGUE_TEST_LIMIT=90, DEMO_LIMIT=40, BENCH_LIMIT=120), cut to what
# is left of the total less what the later stages need. The op tests run in three stages
# (nn / losses / training / attention / random / devices; the op database; the catalogue) so
# that a stage that runs out of time leaves the others' results; with pytest-xdist installed
# they run in 8 processes.
set -u
out=${1:?usage: benchmarks/gpu_check.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
py=${PYTHON:-python}
summary="$out/summary.txt"
: > "$summary"
start_all=$(date +%s)

note() { echo "$*" | tee -a "$summary"; }

TOTAL=${TOTAL_LIMIT:-570}
# limit WANT RESERVE: WANT seconds, or what is left of the total less RESERVE (at least 10).
limit() {
  local want=$1 reserve=$2
  local left=$(( TOTAL - ($(date +%s) - start_all) - reserve ))
  [ "$left" -lt "$want" ] && want=$left
  [ "$want" -lt 10 ] && want=10
  echo "$want"
}

# stage NAME LIMIT COMMAND...: runs COMMAND under a time limit, logging to OUT_DIR/NAME.log.
stage() {
  local name=$1 limit=$2
  shift 2
  local t0
  t0=$(date +%s)
  echo "== $name (limit ${limit}s): $*" > "$out/$name.log"
  timeout --signal=TERM --kill-after=10 "$limit" "$@" >> "$out/$name.log" 2>&1
  local rc=$?
  local took=$(( $(date +%s) - t0 ))
  local status=ok
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then status="TIMED OUT"; elif [ $rc -ne 0 ]; then status="FAILED (rc=$rc)"; fi
  note "$(printf '%-14s %-16s %4ss  %s' "$name" "$status" "$took" "$out/$name.log")"
  return $rc
}

# ---- 0. the machine -------------------------------------------------------------------------------
{
  date -u
  nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  nvcc --version 2>&1 || echo "nvcc: not available"
  "$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())" 2>&1
  "$py" -c "import numpy, pytest; print('numpy', numpy.__version__, 'pytest', pytest.__version__)" 2>&1
  echo "cpus: $(nproc)"
  git -C "$root" log --oneline -1 2>&1
} > "$out/machine.log" 2>&1
note "machine        see $out/machine.log"

# ---- 1. the ember build ----------------------------------------------------------------------------
build=${EMBER_GPU_BUILD:-$root/build/gpu}
have_build() { ls "$build"/_C.cpython-*.so > /dev/null 2>&1; }

build_here() {
  local pybind_dir=${PYBIND11_DIR:-$("$py" -m pybind11 --cmakedir 2>/dev/null)}
  [ -n "$pybind_dir" ] || echo "pybind11 not found (python -m pybind11 fails, PYBIND11_DIR unset): cmake will fail"
  local gen=()
  command -v ninja > /dev/null && gen=(-G Ninja)
  cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DEMBER_CUDA=ON \
        -DCMAKE_CUDA_ARCHITECTURES=90 -DEMBER_BUILD_PYTHON=ON -DEMBER_CPU_ISA_VARIANTS=OFF \
        -DPython_EXECUTABLE="$(command -v "$py")" ${pybind_dir:+-Dpybind11_DIR="$pybind_dir"} &&
  cmake --build "$build" --parallel "$(nproc)"
}

if have_build; then
  note "build          using the build in $build"
else
  export root build py PYBIND11_DIR 2> /dev/null
  export -f build_here
  stage build "$(limit "${BUILD_LIMIT:-330}" 230)" bash -c build_here
fi

ready=0
if have_build; then
  so=$(ls "$build"/_C.cpython-*.so | head -1)
  ln -sf "$so" "$root/python/ember/$(basename "$so")"
  export LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PYTHONPATH="$root/python:$root/tests${PYTHONPATH:+:$PYTHONPATH}"
  if stage import 60 "$py" -c "
import ember
print(ember._C.build_info())
print('cuda built', ember.cuda.is_built(), 'available', ember.cuda.is_available(), 'devices', ember.cuda.device_count())
print(ember.cuda.get_device_properties(0))
x = ember.arange(10.0, device='cuda')
print((x * 2).sum().item())
assert ember.cuda.is_available()
"; then ready=1; fi
else
  note "build          no ember build with CUDA: the test and benchmark stages are skipped"
fi

# ---- 2. the CUDA tests ------------------------------------------------------------------------------
if [ $ready -eq 1 ]; then
  export EMBER_TEST_DEVICE=cuda
  # The runtime API first and stopping at the first failure (a broken runtime fails everything
  # after it); then the op comparisons, which go on past failures so that one run lists every
  # gap (the JUnit XML names each failing case).
  stage test_runtime "$(limit "${RUNTIME_TEST_LIMIT:-45}" 200)" "$py" -m pytest -q -x -p no:cacheprovider \
        tests/test_cuda_runtime.py --junitxml="$out/test_runtime.xml" -rfEs
  par=()
  "$py" -c "import xdist" 2> /dev/null && par=(-n 8)
  ops() {  # ops NAME LIMIT RESERVE -k EXPRESSION
    local name=$1 lim=$2 reserve=$3
    shift 3
    stage "$name" "$(limit "$lim" "$reserve")" "$py" -m pytest -q -p no:cacheprovider "${par[@]}" --maxfail=300 \
          -rfEx --durations=10 tests/test_cuda_ops.py --junitxml="$out/$name.xml" "$@"
  }
  ops test_nn "${NN_TEST_LIMIT:-60}" 150 -k "not op_db and not elementwise and not reduction"
  ops test_op_db "${OPDB_TEST_LIMIT:-150}" 150 -k "op_db"
  ops test_catalogue "${CATALOGUE_TEST_LIMIT:-90}" 140 -k "elementwise or reduction"
  stage demo "$(limit "${DEMO_LIMIT:-40}" 130)" "$py" -m ember.demo --device cuda --epochs 3 --out ""
  unset EMBER_TEST_DEVICE

# ---- 3. the benchmarks ------------------------------------------------------------------------------
  stage bench_cuda "$(limit "${BENCH_LIMIT:-120}" 50)" "$py" benchmarks/bench_cuda.py --repeats 10 \
        --json "$out/bench_cuda.json"
  stage bench_ops "$(limit 25 25)" "$py" benchmarks/bench_ops.py --device cuda --repeats 10 \
        --json "$out/bench_ops_cuda.json"
  stage bench_conv "$(limit 25 0)" "$py" benchmarks/bench_conv.py --device cuda --repeats 10 \
        --json "$out/bench_conv_cuda.json"
fi

note "total          $(( $(date +%s) - start_all ))s"
exit 0
