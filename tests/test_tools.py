"The measurement scripts in tools/: paired bootstrap intervals of a run's test AUC, and the lesion contrast of a store."
import importlib.util
import numpy as np, pandas as pd
from conftest import ROOT
from siamese_mammo.tiling import PatchStore

def tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/'tools'/f'{name}.py')
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    return module

def test_intervals_are_paired_over_women():
    rng = np.random.default_rng(0)
    women = np.repeat(np.arange(30), 20); A = np.where(rng.random(600) < 0.1, rng.uniform(0.2, 1, 600), 0)
    noise = rng.random(600)
    scores = dict(auc_q=A + 0.01*noise, untrained_d1=noise, untrained_d2=noise, pixel_difference=A + 0.01*noise)
    out = tool('test_intervals').intervals(scores, A, women, resamples=200)
    assert out['auc_q'] == [1.0, 1.0, 1.0] and out['women'] == 30 and out['lesion_pairs'] == int((A > 0).sum())
    assert out['auc_q - untrained_d1'][1] > 0.3             # a clear win has an interval above 0
    assert out['auc_q - pixel_difference'] == [0.0, 0.0, 0.0]   # the same score: every paired difference is 0

def test_lesion_contrast_reads_the_disk_profile():
    P = 64; yy, xx = np.mgrid[:P, :P] - (P - 1)/2
    normal = np.full((P, P), 0.5); lesion = normal + 0.1*(np.hypot(yy, xx) <= 12)
    labelled = (np.stack([lesion, normal]*3)*65535).astype(np.uint16)
    store = PatchStore(None, None, labelled, pd.DataFrame(dict(abnormal=[1, 0]*3)))
    out = tool('lesion_signal').lesion_contrast(store)
    assert out['lesions'] == 3 and abs(out['r<=8'] - 0.1) < 1e-3 and out['r<=48'] < out['r<=24'] < 0.1
