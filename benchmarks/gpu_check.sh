#!/usr/bin/env bash
# The GPU check (benchmarks/gpu_check.py): install if needed, run, leave the JSON in ${OUT:-benchmarks} (about 5 min on one GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make install
out=${OUT:-benchmarks}/gpu_check.json
timeout 470 .venv/bin/python benchmarks/gpu_check.py --out "$out" "$@"
