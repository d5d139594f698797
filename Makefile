# Two commands from a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: demo test install dev checks nbtest pytest readme clean

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

demo: install
	$(BIN)/siamese-mammo synth --out data/raw/synth --patients 50 --seed 0
	mkdir -p runs/synth96/siamese
	$(BIN)/papermill nbs/05_pretrain.ipynb runs/synth96/siamese/05_pretrain.ipynb -p dataset synth96
	@echo "demo: synthetic set in data/raw/synth, executed notebook in runs/synth96/siamese/05_pretrain.ipynb"

checks: dev
	tools/unchanged nbs -- $(BIN)/nbdev_clean
	tools/unchanged siamese_mammo -- $(BIN)/nbdev_export
	tools/unchanged README.md -- $(BIN)/python tools/readme.py
	$(BIN)/python tools/check_papermill.py

nbtest: dev
	$(BIN)/nbdev_test --n_workers 2

pytest: dev
	$(BIN)/python -m pytest -q tests/

test: checks nbtest pytest

readme: dev
	$(BIN)/python tools/readme.py

clean:
	rm -rf $(VENV) _proc _docs
