"""Every notebook that papermill runs keeps one `parameters` cell, typed and commented.

A lost tag makes `papermill -p` silently run the notebook's own defaults, so this
fails loudly instead. The notebooks to check are listed in settings.ini
(`papermill_nbs`); each parameter must have a type annotation and a comment,
which `papermill --help-notebook` shows to users.
"""
import ast, sys
from configparser import ConfigParser
from pathlib import Path
import papermill as pm
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def problems(path):
    "Problems with the parameters of the notebook at `path`, as lines."
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if 'parameters' in c.metadata.get('tags', [])]
    if len(cells) != 1: return [f'{path.name}: {len(cells)} cells tagged parameters, expected exactly 1']
    if '#| export' in cells[0].source: return [f'{path.name}: the parameters cell must not be exported']
    params = pm.inspect_notebook(str(path))
    if not params: return [f'{path.name}: the parameters cell defines no parameters']
    assigned = [t.target.id if isinstance(t,
                                          ast.AnnAssign) else t.targets[0].id for t in ast.parse(cells[0].source).body]
    unparsed = [k for k in assigned if k not in params]
    if unparsed: return [f'{path.name}: papermill cannot parse parameter(s) {unparsed} (keep "name: type = value  # '
                         f'comment" without "=" in the comment)']
    return [f'{path.name}: parameter {k} needs a type annotation and a comment'
            for k, p in params.items() if p['inferred_type_name'] in ('None', '') or not p['help']]

def main():
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT/'settings.ini')
    nbs = cfg['DEFAULT']['papermill_nbs'].split()
    errs = [e for nb in nbs for e in problems(ROOT/'nbs'/nb)]
    for e in errs: print('FAIL:', e, file=sys.stderr)
    if not errs: print(f'ok: {len(nbs)} parameterised notebook(s) keep a typed, commented parameters cell: '
                       f'{" ".join(nbs)}')
    sys.exit(1 if errs else 0)

if __name__ == '__main__': main()
