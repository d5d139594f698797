"""The synthetic generator checked against the larger real set: the statistics the 02_synth calibration measured on the
40-image mini-MIAS sample (spectrum slope beta, lesion radius and contrast per lesion class, pair floors), recomputed
on mini-MIAS dev (mdb001-mdb160) and on a synthetic set made and prepared the same way, in one table.

    siamese-mammo synth --out S/raw/synth --patients 40 --seed 123 --size 1152x896
    siamese-mammo prepare --dataset synth --patch 96 --data-dir S --seed 0
    python tools/generator_check.py S figures/reproduction/generator_check

The mini-MIAS stores are those of `siamese-mammo reproduce` (data/reproduction/{sample,dev}/processed/mias96); seed 123
is the texture check's, used nowhere else. Nothing here feeds back into a training result.
"""
import json, sys
from pathlib import Path
import numpy as np, pandas as pd
from siamese_mammo.core import data_root
from siamese_mammo.datasets import mias_sample, parse_mias_info
from siamese_mammo.io import read_pgm
from siamese_mammo.synth import synth_woman
from siamese_mammo.store import open_store
from siamese_mammo.report import write_table
sys.path.insert(0, str(Path(__file__).parent))
from texture_beta import betas
from lesion_signal import floors, lesion_differences

MIAS_MM = 0.2   # mini-MIAS: 200 micron pixels
# each synthetic kind and the mini-MIAS classes it stands for
GROUPS = {'circumscribed': ['CIRC', 'MISC'], 'spiculated': ['SPIC'], 'calcifications': ['CALC'],
          'asymmetry': ['ARCH', 'ASYM']}
CLASS_GROUP = {c: g for g, classes in GROUPS.items() for c in classes}

def mias_lesions(folder:Path) -> pd.DataFrame:
    "The boxed lesions of the images present in `folder`: study, side, group and radius (mm)."
    info = parse_mias_info(folder/'Info.txt')
    info = info[info.ref.map(lambda r: (folder/f'{r}.pgm').exists()) & info.radius.notna()]
    num = info.ref.str[3:].astype(int)
    return pd.DataFrame(dict(study=[f'mias{(n + 1)//2:03d}' for n in num], side=np.where(num % 2, 'R', 'L'),
                             group=info.cls.map(CLASS_GROUP), radius=info.radius*MIAS_MM))

def mias_groups(store, lesions:pd.DataFrame, first:np.ndarray) -> list:
    "The group of each labelled lesion row: the class of its image's lesions, or None where they differ."
    lab = store.labelled_table.iloc[first]
    found = [set(lesions.group[(lesions.study == s) & (lesions.side == d)]) for s, d in zip(lab.study_id, lab.side)]
    return [g.pop() if len(g) == 1 else None for g in found]

def synth_lesions(truth:dict, mm:float) -> pd.DataFrame:
    "Every synthetic finding: study, side, view, kind, box centre and half-size (mm)."
    rows = [dict(study=t['study_id'], side=t['laterality'], view=t['view'], group=f['kind'],
                 cx=(f['box'][0] + f['box'][2])/2, cy=(f['box'][1] + f['box'][3])/2,
                 radius=(f['box'][2] - f['box'][0] + f['box'][3] - f['box'][1])/4/mm)
            for t in truth.values() for f in t['findings']]
    return pd.DataFrame(rows)

def synth_groups(store, lesions:pd.DataFrame, first:np.ndarray) -> list:
    "The kind of each labelled lesion row: the finding of its image nearest to the patch centre."
    out = []
    for r in store.labelled_table.iloc[first].itertuples():
        m = lesions[(lesions.study == r.study_id) & (lesions.side == r.side) & (lesions.view == r.view)]
        gap = np.hypot(m.cx - (r.x1 + r.x2)/2, m.cy - (r.y1 + r.y2)/2)
        out.append(m.group.iloc[int(np.argmin(gap))] if len(m) else None)
    return out

def median_n(values) -> str:
    "The median and count of `values`, or 'none'."
    values = np.asarray(values, float)
    return f'{np.median(values):.3f} (n={len(values)})' if len(values) else 'none'

def beta(values) -> str: return f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f} (n={len(values)})'

def column(store_dir:Path, images, lesions:pd.DataFrame, groups_of) -> dict:
    "One column of the table: beta, radius and contrast per lesion group, and the floors of one set."
    store = open_store(store_dir)
    first, diff = lesion_differences(store)
    groups, f = np.asarray(groups_of(store, lesions, first), object), floors(store)
    rows = {'spectrum slope beta': beta(betas(images)), 'labelled lesions': len(first)}
    for name, at in [('all', np.ones(len(first), bool))] + [(g, groups == g) for g in GROUPS]:
        if name != 'all': rows[f'{name}: radius (mm)'] = median_n(lesions.radius[lesions.group == name])
        rows[f'{name}: contrast r<=8 px'], rows[f'{name}: contrast r<=48 px'] = (median_n(diff[at, 0]),
                                                                                 median_n(diff[at, -1]))
    return {**rows, 'pairs (A > 0)': f"{f['pairs']} ({f['lesion_pairs']})",
            **{f'floor: {k}': f'{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]' for k, v in f.items() if isinstance(v, list)}}

if __name__ == '__main__':
    synth_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    sets = {'mini-MIAS sample (mdb001-040)': mias_sample(),
            'mini-MIAS dev (mdb001-160)': Path(__file__).resolve().parents[2]/'shared'/'data'/'mini-mias-dev'}
    table = {}
    for name, folder in sets.items():
        store = data_root()/'reproduction'/folder.name/'processed'/'mias96'
        table[name] = column(store, (read_pgm(p) for p in sorted(folder.glob('mdb*.pgm'))), mias_lesions(folder),
                             mias_groups)
    truth = json.loads((synth_dir/'raw'/'synth'/'truth.json').read_text())
    synthetic = ((im.pixels*65535).astype(np.uint16) for k in range(10) for im in synth_woman(123, k))
    table['synthetic (seed 123, 40 women)'] = column(synth_dir/'processed'/'synth96', synthetic,
                                                     synth_lesions(truth, 1152/300), synth_groups)
    t = pd.DataFrame(table).rename_axis('statistic').reset_index()
    write_table(t, out, 'Made by `python tools/generator_check.py` (see its docstring). Lesion groups: the synthetic '
                        'kinds and the mini-MIAS classes they stand for (circumscribed: CIRC and MISC; spiculated: '
                        'SPIC; calcifications: CALC; asymmetry: ARCH and ASYM). Radius: the median Info.txt radius of '
                        'the boxed lesions of the images present, and for the synthetic set the median half-size of '
                        'the boxes; contrast: median brightness of a labelled lesion patch over its partner within a '
                        'disk of that radius, on the 0-1 scale, with the number of lesion patches; spectrum slope: '
                        'over all images of the real sets and 40 synthetic images; floors: average AUC over all '
                        'pairs, 95% interval over women')
    print(t.to_string())
