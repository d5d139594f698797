#!/usr/bin/env bash
# The GPU check (benchmarks/gpu_check.py): about 5 minutes on one GPU; the JSON goes to ${OUT:-benchmarks}/gpu_check.json.
# It uses the project's .venv when there is one (make install), else the machine's python3 with the checkout on its path
# (a device machine that cannot install: carry the missing packages as wheels, and a prepared set with --data-dir).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python; [ -x "$py" ] || { py=python3; export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"; }
out=${OUT:-benchmarks}/gpu_check.json
timeout 470 "$py" benchmarks/gpu_check.py --out "$out" "$@"
