"The package's layers (nbs/index.ipynb, *Layers*): no import cycle, and each layer free of what sits above it."
import ast, subprocess, sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
import pytest
import siamese_mammo

PACKAGE = Path(siamese_mammo.__file__).parent
MODULES = {p.stem for p in PACKAGE.glob('*.py') if not p.stem.startswith('_')}


def imported(text:str) -> set[str]:
    "The package's modules that `text` imports anywhere: at the top or inside a function."
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.level == 1: found.add((node.module or '').split('.')[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or '').startswith('siamese_mammo.'):
            found.add(node.module.split('.')[1])
        elif isinstance(node, ast.ImportFrom) and node.module == 'siamese_mammo':
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split('.')[1] for a in node.names if a.name.startswith('siamese_mammo.')}
    return found & MODULES


def graph(modules:dict[str, str]) -> dict[str, set[str]]:
    "Module -> the package modules it imports, from each module's source text."
    return {name: imported(text) - {name} for name, text in modules.items()}


def first_cycle(edges:dict[str, set[str]]) -> list[str]:
    "An import cycle of `edges` (its modules in order), or [] when there is none."
    try: tuple(TopologicalSorter(edges).static_order())
    except CycleError as e: return e.args[1]
    return []


def test_the_package_has_no_import_cycle():
    edges = graph({name: (PACKAGE/f'{name}.py').read_text() for name in MODULES})
    assert first_cycle(edges) == [], f'import cycle: {" -> ".join(first_cycle(edges))}'


def test_the_cycle_check_sees_an_import_hidden_in_a_function():
    "The check that guards the package, on a made-up pair of modules: a function-level import closes the cycle."
    hidden = {'paper': 'from .report import write_table\ndef chain():\n    from siamese_mammo.lem import lem\n',
              'lem': 'from .paper import chain\n', 'report': 'import numpy as np\n'}
    assert set(first_cycle(graph(hidden))) == {'paper', 'lem'}
    assert first_cycle(graph(hidden | {'lem': 'from .report import write_table\n'})) == []


@pytest.mark.parametrize('module, absent', [
    ('pretrain', ('siamese_mammo.synth', 'siamese_mammo.registration', 'siamese_mammo.tiling', 'SimpleITK')),
    ('report', ('torch', 'siamese_mammo.paper', 'siamese_mammo.reproduction', 'siamese_mammo.lem',
                'siamese_mammo.alternatives')),
    ('cli', ('torch', 'sklearn', 'pandas')),
])
def test_a_layer_does_not_load_what_sits_above_it(module, absent):
    "Importing `module` in a fresh interpreter loads none of `absent`."
    code = f'import sys, siamese_mammo.{module}; print(" ".join(m for m in {absent!r} if m in sys.modules))'
    loaded = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [], f'importing siamese_mammo.{module} loads {loaded}'
