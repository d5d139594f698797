import os, sys, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

@pytest.fixture
def run():
    "Run a command from the project's environment in the project root; return the CompletedProcess."
    def _run(*args, env=None, check=False):
        cmd = [str(BIN/args[0]) if (BIN/args[0]).exists() else args[0], *map(str, args[1:])]
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=check,
                              env={**os.environ, **(env or {})})
    return _run

# The longest tests first, so that the two workers of `pytest -n 2` finish together instead of one waiting on the last.
SLOW_FIRST = ['test_paper_chain', 'test_privacy', 'test_killed_run', 'test_sweep', 'test_resume_refuses',
              'test_gpu_check']

def pytest_collection_modifyitems(items):
    "Run the tests named in SLOW_FIRST before the others, in that order."
    rank = lambda item: next((k for k, name in enumerate(SLOW_FIRST) if name in item.nodeid), len(SLOW_FIRST))
    items.sort(key=rank)
