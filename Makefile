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

# The paper's chain on the 50-woman synthetic set, sized for a 2-core CPU (preset demo): prepare, the Siamese grid,
# SimCLR and BYOL (papermill runs of nbs/05_pretrain.ipynb), linear evaluation, Tables 1-4 and Figures 3-6 in figures/.
# Finished runs are reused, so a second `make demo` only redraws.
demo: synth
	$(BIN)/siamese-mammo paper --datasets synth96 --preset demo
	$(BIN)/python -c "from siamese_mammo.ssl import augment_grid, mias_patches; augment_grid(mias_patches(), path='figures/augmentations_mias.png')"

figures: demo

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
