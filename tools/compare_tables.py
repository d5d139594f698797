"Compare the tables of two figure folders (`figures/table*.csv`) cell by cell; exit 1 naming every cell that differs."
import sys
from pathlib import Path
import pandas as pd

def differences(a:Path, b:Path) -> list[str]:
    ("Where the table `b` differs from `a`: missing file, other shape or columns, or each differing cell with both "
     "values.")
    if not b.exists(): return [f'{b.name}: missing in {b.parent}']
    x, y = pd.read_csv(a, dtype=str, keep_default_na=False), pd.read_csv(b, dtype=str, keep_default_na=False)
    if x.shape != y.shape or list(x.columns) != list(y.columns): return [f'{a.name}: shape or columns differ '
                                                                         f'({x.shape} {list(x.columns)} vs {y.shape} '
                                                                         f'{list(y.columns)})']
    return [f'{a.name} row {i} {c}: {x.at[i, c]} vs '
            f'{y.at[i, c]}' for c in x.columns for i in x.index if x.at[i, c] != y.at[i, c]]

def main(committed:str, fresh:str) -> int:
    "Print the differences of every table of `committed` in `fresh`; 0 when there are none."
    tables = sorted(Path(committed).glob('table*.csv'))
    found = [d for t in tables for d in differences(t, Path(fresh)/t.name)]
    print('\n'.join(found) or f'{len(tables)} tables identical: ' + ', '.join(t.name for t in tables))
    return 1 if found or not tables else 0

if __name__ == '__main__': sys.exit(main(*sys.argv[1:3]))
