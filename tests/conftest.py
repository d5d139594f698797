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
