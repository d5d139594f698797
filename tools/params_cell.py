"""Write the `parameters` cell of nbs/05_pretrain.ipynb from `options.PretrainConfig` (`options.parameters_cell`).

`make checks` runs this through tools/unchanged, so a cell edited by hand, or a
configuration changed without regenerating the cell, fails the checks.
"""
import json
from pathlib import Path
from siamese_mammo.options import parameters_cell

NOTEBOOK = Path(__file__).resolve().parents[1]/'nbs'/'05_pretrain.ipynb'

def main():
    nb = json.loads(NOTEBOOK.read_text())
    cell = next(c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', []))
    lines = parameters_cell().split('\n')
    cell['source'] = [line + '\n' for line in lines[:-1]] + lines[-1:]
    NOTEBOOK.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__': main()
