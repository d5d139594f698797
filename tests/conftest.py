import os, sys, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

def installed(*args, launcher=(sys.executable, '-m')) -> list[str]:
    "The command line of `siamese-mammo ARGS` as installed (`python -m siamese_mammo.cli`, what torchrun calls)."
    return [*launcher, 'siamese_mammo.cli', *map(str, args)]

def synth_prepared(root:Path, source:str, patients:int, seed:int) -> Path:
    ("A synthetic set of `source` (synth: the VinDr layout; synthomidb: OMI-DB's) made under `root` at half the "
     "paper's size and prepared at P=32 on images of a quarter of it.")
    from siamese_mammo.synth import synth_dataset
    from siamese_mammo.tiling import prepare
    synth_dataset(root/'raw'/source, patients, seed, format='optimam' if source == 'synthomidb' else 'vindr',
                  size=(576, 448), workers=2)
    prepare(source, 32, size=(288, 224), data_dir=str(root), workers=2)
    return root

@pytest.fixture
def run():
    "Run a command from the project's environment in the project root; return the CompletedProcess."
    def _run(*args, env=None, check=False):
        cmd = [str(BIN/args[0]) if (BIN/args[0]).exists() else args[0], *map(str, args[1:])]
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=check,
                              env={**os.environ, **(env or {})})
    return _run

@pytest.fixture
def cli(capsys, monkeypatch):
    ("Run `siamese-mammo ARGS` in this process (its own `main`, without the seconds a new interpreter spends importing "
     "torch); return a CompletedProcess with its status and what it printed.")
    from siamese_mammo.cli import main
    def _cli(*args, env=None):
        for k, v in (env or {}).items(): monkeypatch.setenv(k, v)
        capsys.readouterr()
        try: rc = main(list(map(str, args)))
        except SystemExit as e: rc = e.code   # argparse's own errors
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(['siamese-mammo', *map(str, args)], rc, out, err)
    return _cli

@pytest.fixture(scope='session')
def data(tmp_path_factory):
    ("A data root with a small synthetic set prepared at P=32 on images of a quarter of the paper's size (10 women; "
     "seed 46 puts boxed lesions in every split: 4 images of 3 women in test, 4 of 5 in train, 2 of 2 in validation, "
     "so that a smoke run's validation AUC is defined and a best run can be selected).")
    return synth_prepared(tmp_path_factory.mktemp('data'), 'synth', 10, 46)

# Under `pytest -n 2 --dist loadscope` each test file is one unit of work (its module fixtures made once), handed to
# whichever worker is free in the order of the file's first test: the longest files first, so that the two workers
# finish together instead of one waiting on the last.
SLOW_FIRST = ['test_paper.py', 'test_reproduction.py', 'test_pretrain.py', 'test_alternatives.py', 'test_prepare.py',
              'test_damaged.py']

def pytest_collection_modifyitems(items):
    "Run the tests named in SLOW_FIRST before the others, in that order."
    rank = lambda item: next((k for k, name in enumerate(SLOW_FIRST) if name in item.nodeid), len(SLOW_FIRST))
    items.sort(key=rank)
