# Two commands from a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: demo synth figures bench test install dev checks nbtest pytest readme clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python settings.ini setup.py
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e ".[dev]"
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# The 50-woman synthetic set; rewriting it gives the same bytes, and a smaller set of the same seed is its prefix.
synth: install
	$(BIN)/siamese-mammo synth --out data/raw/synth --patients 50 --seed 0

# The Siamese demo run: B=32, lr from the CPU sweep on this set (runs/synth96/siamese/sweep), 3 epochs on 1,024 training pairs.
# A finished run is reused (resume), so a second `make demo` only redoes the test.
DEMO_LR ?= 0.001
DEMO_RUN := -p dataset synth96 -p method siamese -p epochs 3 -p batch_size 32 -p lr $(DEMO_LR) -p limit 1024 -p resume True

demo: synth
	$(BIN)/siamese-mammo prepare --dataset synth --patch 96
	mkdir -p runs/synth96/siamese
	$(BIN)/papermill nbs/05_pretrain.ipynb runs/synth96/siamese/05_pretrain.ipynb $(DEMO_RUN)
	@echo "demo: synthetic set in data/raw/synth, patch stores in data/processed/synth96, Siamese run (metrics, encoders, executed notebook) in runs/synth96/siamese/"

figures: demo
	$(BIN)/python -c "from siamese_mammo.tiling import figure3; figure3('data/processed/synth96', 'figures/figure3_synth96.png')"
	$(BIN)/python -c "from siamese_mammo.siamese import figure4; figure4('runs/synth96/siamese', 'data/processed/synth96', 'figures/figure4_synth96.png')"
	$(BIN)/python -c "from siamese_mammo.ssl import augment_grid, mias_patches; augment_grid(mias_patches(), path='figures/augmentations_mias.png')"

bench: install
	$(BIN)/python benchmarks/prepare_bench.py
	$(BIN)/python benchmarks/pretrain_bench.py
	$(BIN)/python benchmarks/augment_bench.py

checks: dev
	tools/unchanged nbs -- $(BIN)/nbdev_clean
	tools/unchanged siamese_mammo -- $(BIN)/nbdev_export
	tools/unchanged README.md -- $(BIN)/python tools/readme.py
	$(BIN)/python tools/check_papermill.py

# Smoke runs go to a temporary runs root, never into the runs/ that the demo and real runs resume from.
nbtest: dev
	SIAMESE_MAMMO_RUNS=$$(mktemp -d) $(BIN)/nbdev_test --n_workers 2

pytest: dev
	$(BIN)/python -m pytest -q tests/

test: checks nbtest pytest

readme: dev
	$(BIN)/python tools/readme.py

clean:
	rm -rf $(VENV) _proc _docs
