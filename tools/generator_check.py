"""The synthetic generator checked against the larger real set: the statistics the 02_synth calibration measured on the
40-image mini-MIAS sample (spectrum slope beta, lesion radius per class, lesion contrast, pair floors), recomputed on
mini-MIAS dev (mdb001-mdb160) and on a synthetic set made and prepared the same way, in one table.

    siamese-mammo synth --out S/raw/synth --patients 40 --seed 123 --size 1152x896
    siamese-mammo prepare --dataset synth --patch 96 --data-dir S --seed 0
    python tools/generator_check.py S/processed/synth96 figures/reproduction/generator_check

The mini-MIAS stores are those of `siamese-mammo reproduce` (data/reproduction/{sample,dev}/processed/mias96); seed 123
is the texture check's, used nowhere else. Nothing here feeds back into a training result.
"""
import sys
from pathlib import Path
import numpy as np, pandas as pd
from siamese_mammo.core import data_root
from siamese_mammo.datasets import mias_sample, parse_mias_info
from siamese_mammo.io import read_pgm
from siamese_mammo.synth import CLUSTER_SPREAD_MM, MASS_RADIUS_MM, synth_woman
from siamese_mammo.tiling import open_store
from siamese_mammo.paper import write_table
sys.path.insert(0, str(Path(__file__).parent))
from texture_beta import betas
from lesion_signal import floors, lesion_contrast

MIAS_MM = 0.2   # mini-MIAS: 200 micron pixels
MIAS_KINDS = {'CIRC': 'circumscribed', 'SPIC': 'spiculated', 'CALC': 'calcification'}
SYNTH_KINDS = {'circumscribed': MASS_RADIUS_MM['circumscribed'], 'spiculated': MASS_RADIUS_MM['spiculated'],
               'calcification': CLUSTER_SPREAD_MM}

def real_radii(folder:Path) -> dict:
    "Median annotated radius (mm) and count per lesion class, over the images present in `folder`."
    info = parse_mias_info(folder/'Info.txt')
    info = info[info.ref.map(lambda r: (folder/f'{r}.pgm').exists()) & info.radius.notna()]
    radius = lambda r: f'{r.median()*MIAS_MM:.1f} (n={len(r)})' if len(r) else 'none annotated'
    return {name: radius(info[info.cls == c].radius) for c, name in MIAS_KINDS.items()}

def beta(values) -> str: return f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f} (n={len(values)})'

def column(store_dir:Path, images, radii:dict) -> dict:
    "One column of the table: beta, radii, contrast and floors of one set."
    store = open_store(store_dir)
    c, f = lesion_contrast(store), floors(store)
    return {'spectrum slope beta': beta(betas(images)),
            **{f'lesion radius, {k} (mm)': v for k, v in radii.items()},
            'labelled lesions': c['lesions'], 'lesion contrast, r<=8 px': c['r<=8'],
            'lesion contrast, r<=48 px': c['r<=48'], 'pairs (A > 0)': f"{f['pairs']} ({f['lesion_pairs']})",
            **{f'floor: {k}': f'{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]' for k, v in f.items() if isinstance(v, list)}}

if __name__ == '__main__':
    synth_store, out = Path(sys.argv[1]), Path(sys.argv[2])
    sets = {'mini-MIAS sample (mdb001-040)': mias_sample(),
            'mini-MIAS dev (mdb001-160)': Path(__file__).resolve().parents[2]/'shared'/'data'/'mini-mias-dev'}
    table = {}
    for name, folder in sets.items():
        store = data_root()/'reproduction'/folder.name/'processed'/'mias96'
        table[name] = column(store, (read_pgm(p) for p in sorted(folder.glob('mdb*.pgm'))), real_radii(folder))
    mid = {k: round(float(np.mean(r)), 1) for k, r in SYNTH_KINDS.items()}
    synthetic = ((im.pixels*65535).astype(np.uint16) for k in range(10) for im in synth_woman(123, k))
    ranges = {k: f'{mid[k]} (uniform {lo}-{hi})' for k, (lo, hi) in SYNTH_KINDS.items()}
    table['synthetic (seed 123, 40 women)'] = column(synth_store, synthetic, ranges)
    t = pd.DataFrame(table).rename_axis('statistic').reset_index()
    write_table(t, out, 'Made by `python tools/generator_check.py` (see its docstring); floors: average AUC over all '
                        'pairs, 95% interval over women; lesion contrast: median brightness of a labelled lesion patch '
                        'over its partner within a disk of that radius, on the 0-1 scale; synthetic radii: the '
                        "generator's ranges (mass outline radius, calcification cluster radius)")
    print(t.to_string())
