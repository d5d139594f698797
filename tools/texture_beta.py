"""The texture check of 02_synth: the power-law exponent beta of the radially averaged power spectrum of a 256-pixel
square deep inside each breast, for the 40 mini-MIAS sample images and for 40 synthetic images (10 women of seed 123,
a seed used nowhere else). It writes figures/texture_beta.json, which the notebook's prose reads.

    python tools/texture_beta.py [OUT]
"""
import json, subprocess, sys
from pathlib import Path
import numpy as np
from siamese_mammo.core import project_root
from siamese_mammo.datasets import mias_sample
from siamese_mammo.io import read_pgm
from siamese_mammo.synth import breast_roi, fit_beta, synth_woman

SEED, WOMEN = 123, 10

def betas(images) -> list[float]:
    "beta of the central breast square of each image."
    return [round(float(fit_beta(breast_roi(im))), 3) for im in images]

def summary(values:list[float]) -> dict:
    return dict(n=len(values), mean=round(float(np.mean(values)), 2), sd=round(float(np.std(values, ddof=1)), 2),
                values=values)

def main(out:Path):
    real = betas(read_pgm(p) for p in sorted(mias_sample().glob('mdb*.pgm')))
    synthetic = betas((im.pixels*65535).astype(np.uint16) for k in range(WOMEN) for im in synth_woman(SEED, k))
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                            cwd=project_root()).stdout.strip()
    result = dict(command='python tools/texture_beta.py', commit=commit, seed=SEED, real=summary(real),
                  synthetic=summary(synthetic))
    out.write_text(json.dumps(result, indent=1) + '\n')
    print({k: {s: v[s] for s in ('n', 'mean', 'sd')} for k, v in result.items() if k in ('real', 'synthetic')})

if __name__ == '__main__':
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else project_root()/'figures'/'texture_beta.json')
