# Two commands from a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# No wheel cache: the CUDA build of torch is several GB, and a cached copy beside the installed one doubled the disk it needs.
PIP := $(BIN)/python -m pip install --disable-pip-version-check --no-cache-dir -q

.PHONY: demo demo-check synth figures bench gpu-check test install dev checks nbtest pytest readme clean

# Where the demo writes: the data root, the runs root and the figures (demo-check points them at a temporary folder).
DATA ?= data
RUNS ?= runs
FIGURES ?= figures

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

# The demo's synthetic data, sized for a 2-core CPU: 200 women in the VinDr-Mammo layout (seed 0) and 200 in the OMI-DB layout
# (seed 1, for the outcome task of Table 4), at half the paper's image size (synth.DEMO_SIZE, 576x448, read from the package)
# so that registering 800 image pairs takes about two minutes; patches stay 96 px. Rewriting a set gives the same bytes,
# and finished parts of `prepare` are reused.
synth: install
	size=$$($(BIN)/python -c "from siamese_mammo.synth import DEMO_SIZE; print('%dx%d' % DEMO_SIZE)") && \
	$(BIN)/siamese-mammo synth --out $(DATA)/raw/synth --patients 200 --seed 0 --size $$size && \
	$(BIN)/siamese-mammo synth --format optimam --out $(DATA)/raw/synthomidb --patients 200 --seed 1 --size $$size && \
	$(BIN)/siamese-mammo prepare --dataset synth --patch 96 --size $$size --data-dir $(DATA) && \
	$(BIN)/siamese-mammo prepare --dataset synthomidb --patch 96 --size $$size --data-dir $(DATA)

# The paper's chain on the demo data (preset demo): the Siamese grid of Table 1, SimCLR and BYOL (papermill runs of
# nbs/05_pretrain.ipynb) on synth96, linear evaluation on synth96 and, with the same encoders, on synthomidb96;
# Tables 1-4 and Figures 3-6 in figures/, Table 6 (LEM on whole mammograms, each encoder as the backbone) in figures/lem/.
# Finished runs are reused, so a second `make demo` only redraws.
demo: synth
	$(BIN)/siamese-mammo paper --datasets synth96 --transfer synthomidb96 --preset demo --data-dir $(DATA) --runs-dir $(RUNS) --out $(FIGURES)
	$(BIN)/python -c "from siamese_mammo.ssl import augment_grid, mias_patches; augment_grid(mias_patches(), path='$(FIGURES)/augmentations_mias.png')"

# The demo from nothing (empty data and runs roots in a temporary folder), its tables compared cell by cell with the committed
# figures/table*.csv: the same data, seed and code must give the same digits on any machine of this kind.
demo-check: install
	tmp=$$(mktemp -d) && $(MAKE) demo DATA=$$tmp/data RUNS=$$tmp/runs FIGURES=$$tmp/figures && $(BIN)/python tools/compare_tables.py figures $$tmp/figures; \
	rc=$$?; rm -rf $$tmp; exit $$rc

figures: demo

bench: install
	$(BIN)/python benchmarks/prepare_bench.py
	$(BIN)/python benchmarks/pretrain_bench.py
	$(BIN)/python benchmarks/augment_bench.py

# On a GPU machine (about 5 minutes): bf16 + channels_last epoch against the bare encoders, patches/s of each method at a
# sub-batch of 256, peak memory, a one-process NCCL DDP run; the JSON goes to benchmarks/gpu_check.json ($$OUT if set).
gpu-check:
	benchmarks/gpu_check.sh

checks: dev
	tools/unchanged nbs -- $(BIN)/nbdev_clean
	tools/unchanged nbs/05_pretrain.ipynb -- $(BIN)/python tools/params_cell.py
	$(BIN)/ruff check
	tools/unchanged siamese_mammo -- $(BIN)/nbdev_export
	tools/unchanged README.md -- $(BIN)/python tools/readme.py
	$(BIN)/python tools/check_papermill.py

# Tests run two at a time (one per core), each with one thread: torch's threads would otherwise fight over the cores, and
# most of a test's time is single-threaded anyway (starting processes and kernels, importing torch). Measured on 2 cores:
# pytest -n 2 with one thread each took about half the time of the tests one after another with two threads each.
TEST_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# Smoke runs go to a temporary runs root, never into the runs/ that the demo and real runs resume from; it is removed after.
nbtest: dev
	runs=$$(mktemp -d) && $(TEST_ENV) SIAMESE_MAMMO_RUNS=$$runs $(BIN)/nbdev_test --n_workers 2; rc=$$?; rm -rf $$runs; exit $$rc

# One test file is one unit of work: its module fixtures (the paper chain's runs, prepare's whole store) are made once, by
# one worker. The files go to whichever worker is free, longest first (conftest.SLOW_FIRST) rather than by their count of
# tests. (--dist loadgroup would be finer, but pytest-xdist 3.8 silently ignores its groups under pytest 9.)
pytest: dev
	$(TEST_ENV) $(BIN)/python -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder tests/

test: checks nbtest pytest

readme: dev
	$(BIN)/python tools/readme.py

clean:
	rm -rf $(VENV) _proc _docs
