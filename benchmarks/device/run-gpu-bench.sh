#!/usr/bin/env bash
# bench:gpu on the GPU machine, as one prepared device run (see ../shared/device/README.md).
#
# Here, once, from the project root:  bash benchmarks/device/pack-gpu-bench.sh
# Then the device tool's `run`, with carry [".device-carry"] and timeout_s 570:
#   bash benchmarks/device/run-gpu-bench.sh
# (or, if time is short, `bash benchmarks/device/run-gpu-bench.sh --modes webgpu`).
# It brings back, under $OUT: bench-gpu.json (the --json report), bench-gpu.log (the table,
# streamed row by row, so a run cut short still shows what it measured) and machine.txt.
# Record the figures in docs/benchmarks.md ("bench:gpu"), with the date and machine.
set -uo pipefail
source .device-carry/on-device.sh
out=${OUT:-out/device}
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "nproc: $(nproc)"
  lscpu | grep -E '^(Model name|Socket|Core|Thread)' || true
  echo "node: $(node -v)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  ldconfig -p | grep -c libvulkan | sed 's/^/libvulkan entries: /'
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"
# bench:gpu itself stops at 480 s, leaving the device call (570 s) time to bring the files back.
timeout 480 npm run --silent bench:gpu -- --json "$@" 2> >(tee "$out/bench-gpu.log" >&2) | tee "$out/bench-gpu.json"
status=${PIPESTATUS[0]}
echo "bench:gpu exit status $status (124: stopped at 480 s; bench-gpu.log has the rows measured)"
exit "$status"
