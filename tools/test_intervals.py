"""A finished Siamese run's test average AUC of 1 - q and its floors, with 95% intervals by resampling test women
(paired).

    python tools/test_intervals.py RUN_DIR

It rebuilds the run's seeded untrained networks and their BatchNorm statistics from one pass over the training pairs (as
the
run did before recording its floors), scores the test pairs with them and with `best.pt`, and resamples the test women
1,000 times. It prints JSON: each score's AUC and interval, and each difference `auc_q - floor` with its interval.
"""
import sys, json
import numpy as np, torch
from siamese_mammo.options import PretrainConfig
from siamese_mammo.pretrain import setup, load_model_state
from siamese_mammo.siamese import average_auc, pair_scores
from siamese_mammo.tiling import open_store

FLOORS = ('untrained_d1', 'untrained_d2', 'pixel_difference')

def test_scores(run_dir:str) -> tuple[dict, np.ndarray, np.ndarray]:
    "The scores of the best model and the floors on the run's test pairs, with each pair's A and woman."
    saved = json.load(open(f'{run_dir}/metrics.json'))['config']
    run = setup(PretrainConfig(**{k: v for k, v in saved.items() if k in PretrainConfig.__dataclass_fields__}))
    run.method.begin(run.batches('train'))
    untrained = run.method.scores(run.batches('test'))
    load_model_state(run, torch.load(f'{run_dir}/best.pt', map_location='cpu', weights_only=True))
    trained = run.method.scores(run.batches('test'))
    table = open_store(run.cfg.resolve().processed).table.iloc[trained['index']]
    scores = dict(auc_q=pair_scores(trained)['q'], untrained_d1=untrained['d1'], untrained_d2=untrained['d2'],
                  pixel_difference=untrained['pixel'])
    return scores, table.A.to_numpy(), table.patient_id.to_numpy()

def resample_women(scores:dict, A:np.ndarray, women:np.ndarray, resamples:int=1000, seed:int=0) -> tuple[dict, dict]:
    ("Average AUC of each score, and its values over `resamples` draws of whole women with replacement (the same "
     "draws for every score).")
    rows = [np.flatnonzero(women == w) for w in np.unique(women)]
    rng, boot = np.random.default_rng(seed), {k: [] for k in scores}
    for _ in range(resamples):
        pick = np.concatenate([rows[k] for k in rng.integers(len(rows), size=len(rows))])
        for k, s in scores.items(): boot[k].append(average_auc(s[pick], A[pick]))
    return {k: average_auc(s, A) for k, s in scores.items()}, {k: np.array(v) for k, v in boot.items()}

def ci(values:np.ndarray) -> list[float]: return [round(float(x), 3) for x in np.nanpercentile(values, [2.5, 97.5])]

def intervals(scores:dict, A:np.ndarray, women:np.ndarray, resamples:int=1000, seed:int=0) -> dict:
    "Average AUC of each score and of `auc_q` minus each floor, with 95% intervals over resampled women."
    point, boot = resample_women(scores, A, women, resamples, seed)
    out = {k: [round(v, 3)] + ci(boot[k]) for k, v in point.items()}
    out.update({f'auc_q - {f}': [round(float(np.nanmean(boot['auc_q'] - boot[f])),
                                       3)] + ci(boot['auc_q'] - boot[f]) for f in FLOORS})
    return dict(out, test_pairs=len(A), lesion_pairs=int((A > 0).sum()), women=len(np.unique(women)))

if __name__ == '__main__':
    print(json.dumps(intervals(*test_scores(sys.argv[1])), indent=1))
