"""How much a lesion changes a registered bilateral pair, measured without any training: the calibration of the
synthetic lesions.

For each prepared patch store given, it prints:

- the lesion contrast: for each labelled abnormal patch (centred on an ROI), how much brighter it is than the same place
  in the other breast. This is the median of (abnormal - normal), averaged over disks of growing radius around the
  centre;
- the pair-level floors: the average AUC (100 cutoffs of A) of the registered pair's mean |p1 - p2| and of two untrained
  encoders' distances D, with 95% intervals from resampling women.

    python tools/lesion_signal.py STORE [STORE ...]

The calibration in 02_synth compared `siamese-mammo prepare --dataset mias --patch 96` (the 40 mini-MIAS sample images)
with a synthetic set prepared the same way at the paper's image size.
"""
import sys
import numpy as np, torch
from siamese_mammo.siamese import SiameseMethod
from siamese_mammo.store import open_store
from siamese_mammo.report import interval, resample_women

RADII = (8, 16, 24, 48)

def lesion_differences(store) -> tuple[np.ndarray, np.ndarray]:
    ("The row of each labelled lesion patch followed by its partner, and the lesion's mean brightness over the "
     "partner within each radius of RADII (lesions x radii).")
    lab, x = store.labelled_table, np.asarray(store.labelled).astype(np.float32)/65535
    ab = lab.abnormal.to_numpy()
    first = np.flatnonzero((ab[:-1] == 1) & (ab[1:] == 0))   # an abnormal row followed by its normal partner
    P = x.shape[1]
    yy, xx = np.mgrid[:P, :P] - (P - 1)/2
    r = np.hypot(yy, xx)
    diff = x[first] - x[first + 1]
    return first, np.stack([diff[:, r <= k].mean(1) for k in RADII], 1)

def lesion_contrast(store) -> dict:
    ("Median brightness of each labelled lesion patch over its partner at the same place, within disks of growing "
     "radius.")
    first, d = lesion_differences(store)
    return dict(lesions=len(first), **{f'r<={k}': round(float(np.median(d[:, j])), 3) for j, k in enumerate(RADII)})

def floors(store, resamples:int=200, seed:int=0) -> dict:
    ("Average AUCs of the pixel difference, two untrained encoders' D and the asymmetry floor over all pairs, with 95% "
     "intervals over women.")
    A, women = store.table.A.to_numpy(), store.table.patient_id.to_numpy()
    torch.manual_seed(seed)
    x = torch.from_numpy(np.asarray(store.pairs).astype(np.float32)/65535)
    batches = ((x[i:i + 256], torch.arange(i, min(i + 256, len(A)))) for i in range(0, len(A), 256))
    scores = SiameseMethod(A).scores(batches)
    point, boot = resample_women({name: np.asarray(scores[key]) for name, key in
                                  [('pixel_difference', 'pixel'), ('untrained_d1', 'd1'), ('untrained_d2', 'd2'),
                                   ('asymmetry', 'asymmetry')]}, A, women, resamples, seed)
    return dict(pairs=len(A), lesion_pairs=int((A > 0).sum()), women=len(np.unique(women)),
                **{k: [round(v, 3), *(round(x, 3) for x in interval(boot[k]))] for k, v in point.items()})

if __name__ == '__main__':
    for path in sys.argv[1:]:
        store = open_store(path)
        print(path, lesion_contrast(store), floors(store), sep='\n  ')
