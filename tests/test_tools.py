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
