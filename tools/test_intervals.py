"""A finished Siamese run's test average AUC of 1 - q and its floors, with 95% intervals by resampling test women
(paired).

    python tools/test_intervals.py RUN_DIR

Every pair is scored by the run's selected networks and by its seeded untrained ones, rebuilt as the run built them
(`siamese_mammo.reproduction.score_pairs`, kept in the run folder); the test women are resampled 1,000 times
(`women_intervals`). It prints JSON: each score's AUC and interval, and each difference `auc_q - floor` with its
interval.
"""
import json, sys
from siamese_mammo.reproduction import score_pairs
from siamese_mammo.report import women_intervals

FLOORS = ('untrained_d1', 'untrained_d2', 'pixel_difference')

def intervals(run_dir:str, resamples:int=1000, seed:int=0) -> dict:
    "Average AUC of 1 - q and of each floor on the test pairs, and of `auc_q` minus each floor, with 95% intervals."
    trained, floors = score_pairs(run_dir), score_pairs(run_dir, trained=False)
    test = (floors.split == 'test').to_numpy()
    scores = dict(auc_q=trained.q.to_numpy()[test], **{f: floors[f].to_numpy()[test] for f in FLOORS})
    A, women = floors.A.to_numpy()[test], floors.woman.to_numpy()[test]
    aucs, diffs = women_intervals(scores, A, women, [('auc_q', f) for f in FLOORS], resamples, seed)
    three = lambda *v: [round(float(x), 3) for x in v]
    return dict({r.score: three(r.auc, r.lo, r.hi) for r in aucs.itertuples()},
                **{f'auc_q - {r.floor}': three(r.difference, r.lo, r.hi) for r in diffs.itertuples()},
                test_pairs=int(test.sum()), lesion_pairs=int((A > 0).sum()), women=len(set(women)))

if __name__ == '__main__':
    print(json.dumps(intervals(sys.argv[1]), indent=1))
