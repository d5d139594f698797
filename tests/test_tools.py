"The measurement scripts in tools/: the lesion contrast of a store (the intervals are tested in 12_reproduction)."
import importlib.util
import numpy as np, pandas as pd
from conftest import ROOT
from siamese_mammo.store import PatchStore

def tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/'tools'/f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

def test_lesion_contrast_reads_the_disk_profile():
    P = 64
    yy, xx = np.mgrid[:P, :P] - (P - 1)/2
    normal = np.full((P, P), 0.5)
    lesion = normal + 0.1*(np.hypot(yy, xx) <= 12)
    labelled = (np.stack([lesion, normal]*3)*65535).astype(np.uint16)
    store = PatchStore(None, None, labelled, pd.DataFrame(dict(abnormal=[1, 0]*3)))
    out = tool('lesion_signal').lesion_contrast(store)
    assert out['lesions'] == 3 and abs(out['r<=8'] - 0.1) < 1e-3 and out['r<=48'] < out['r<=24'] < 0.1


def test_compare_tables_passes_the_same_tables_and_names_each_changed_cell(tmp_path, capsys):
    ("`make demo-check`'s comparison on a copy of figures/: identical tables pass; a changed cell, a missing table and "
     "another shape fail, each named.")
    import shutil
    compare, committed = tool('compare_tables'), ROOT/'figures'
    tables = sorted(committed.glob('table*.csv'))
    for t in tables: shutil.copy(t, tmp_path/t.name)
    assert compare.main(str(committed), str(tmp_path)) == 0
    assert f'{len(tables)} tables identical' in capsys.readouterr().out
    t2 = pd.read_csv(tmp_path/'table2.csv', dtype=str, keep_default_na=False)
    was = t2.at[1, 'AUC']
    t2.at[1, 'AUC'] = '0.999 [0.998, 1.000]'
    t2.to_csv(tmp_path/'table2.csv', index=False)
    assert compare.main(str(committed), str(tmp_path)) == 1
    assert capsys.readouterr().out.strip() == f'table2.csv row 1 AUC: {was} vs 0.999 [0.998, 1.000]'
    (tmp_path/'table3.csv').unlink()
    pd.read_csv(tmp_path/'table4.csv').iloc[:-1].to_csv(tmp_path/'table4.csv', index=False)
    assert compare.main(str(committed), str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert 'table3.csv: missing in' in out and 'table4.csv: shape or columns differ' in out
