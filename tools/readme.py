"""Write README.md from nbs/index.ipynb: what `nbdev_readme` does, without needing Quarto.

The notebook is executed (execnb), `#| hide` cells are dropped, `#| echo: false`
cells contribute only their output, other code cells their code and output. A
markdown cell's `{{expression}}` fields (an f-string field: `{{n:,}}` works) are
evaluated in the notebook's namespace as it stands after the cells above it, so
that every number in the prose is read from a result file, never typed.
"""
import re
from pathlib import Path
from execnb.nbio import read_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parents[1]

def directives(src):
    "The `#| key: value` lines at the top of a cell, as a dict."
    return dict(re.match(r'#\|\s*([\w-]+):?\s*(.*)', l).groups() for l in src.splitlines() if l.startswith('#|'))

def output_text(out):
    "Markdown for one cell output."
    data = out.get('data', {})
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text' in out: return '```\n' + ''.join(out['text']).rstrip() + '\n```'
    if 'text/plain' in data: return '```\n' + ''.join(data['text/plain']).rstrip() + '\n```'
    return ''

FIELD = re.compile(r'\{\{(.+?)\}\}')

def fill(cell, ns):
    "Evaluate the `{{expression}}` fields of a markdown cell in `ns`; a field that fails names itself."
    def value(m):
        try: return eval('f"""{' + m.group(1) + '}"""', ns)
        except Exception as e: raise SystemExit(f'index.ipynb: field {{{{{m.group(1)}}}}} failed: {type(e).__name__}: '
                                                f'{e}')
    if cell.cell_type == 'markdown': cell.source = FIELD.sub(value, cell.source)

def render(cell):
    "Markdown for one cell."
    if cell.cell_type == 'markdown': return cell.source
    d = directives(cell.source)
    if 'hide' in d: return ''
    code = '\n'.join(l for l in cell.source.splitlines() if not l.startswith('#|'))
    outs = '\n\n'.join(filter(None, map(output_text, cell.get('outputs', []))))
    return outs if d.get('echo') == 'false' else '```python\n' + code + '\n```' + ('\n\n' + outs if outs else '')

def main():
    nb = read_nb(ROOT/'nbs'/'index.ipynb')
    shell = CaptureShell(path=ROOT/'nbs')
    shell.run_all(nb, exc_stop=True, postproc=lambda cell: fill(cell, shell.user_ns))
    text = '\n\n'.join(filter(None, map(render, nb.cells))).rstrip() + '\n'
    (ROOT/'README.md').write_text('<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not '
                                  'this file -->\n\n' + text)

if __name__ == '__main__': main()
