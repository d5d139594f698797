"""The asymmetry floor's blur and percentile, chosen once on the 40-image mini-MIAS sample before the floor ran anywhere
else.

    siamese-mammo prepare --dataset mias --patch 96 --raw ../shared/data/mini-mias-sample --data-dir D --seed 0
    python tools/asymmetry_choice.py D/processed/mias96 figures/reproduction/asymmetry_choice.json

Rule, fixed before looking: every sigma in SIGMAS and percentile in PERCENTILES is scored by its average AUC over all
pairs of the sample (no split: the floor has nothing to train); the highest wins. The sample's twenty women are part of
mini-MIAS dev, so the dev numbers of the floor are not held out; mdb161-mdb322 are.
"""
import json, sys
from pathlib import Path
import numpy as np, torch
from siamese_mammo.report import average_auc
from siamese_mammo.siamese import pair_statistics
from siamese_mammo.store import open_store

SIGMAS, PERCENTILES = (1.0, 2.0, 3.0, 4.0, 6.0), (90.0, 95.0, 99.0, 99.9)

def scores(store, sigma:float, percentile:float) -> np.ndarray:
    "The asymmetry floor of every pair of the store."
    x = torch.from_numpy(np.asarray(store.pairs).astype(np.float32)/65535)
    return torch.cat([pair_statistics(x[i:i + 256], sigma, percentile)[1] for i in range(0, len(x), 256)]).numpy()

if __name__ == '__main__':
    store, out = open_store(sys.argv[1]), Path(sys.argv[2])
    A = store.table.A.to_numpy()
    grid = [dict(sigma=s, percentile=p, auc=round(average_auc(scores(store, s, p), A), 4))
            for s in SIGMAS for p in PERCENTILES]
    best = max(grid, key=lambda r: r['auc'])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(rule=__doc__.split('Rule, fixed before looking: ')[1].split('\n\n')[0], pairs=len(A),
                                   lesion_pairs=int((A > 0).sum()), women=int(store.table.patient_id.nunique()),
                                   grid=grid, chosen=best), indent=1))
    print(json.dumps(best))
