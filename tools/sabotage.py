"""Each test that pins the science (issue 35) shown to catch a sabotage: break one line of the code, run the test that
pins it, put the line back; print whether the test failed (CAUGHT) or passed (MISSED). It edits tracked files, so it
refuses to run on a tree with uncommitted changes (`git checkout siamese_mammo tools` undoes a run killed midway).

    python tools/sabotage.py [NAME ...]     # every case, or those named
"""
import os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIENCE = 'tests/test_science.py::test_'
CASES = [   # name, file, the line as it is, the line broken, the test that must fail
    ('cross loss taught with own labels', 'siamese_mammo/siamese.py', 'zip(outputs, teach(*p, self.cross))',
     'zip(outputs, teach(*p, False))', SCIENCE + 'the_cross_loss_teaches_each_network_with_the_other_networks_labels'),
    ('no optimiser step', 'siamese_mammo/pretrain.py', '                opt.step()\n', '                pass\n',
     SCIENCE + 'a_short_run_at_a_rate_that_trains_ends_below_ln2'),
    ('random order ignored', 'siamese_mammo/siamese.py',
     '        if self.random_order: x = swap_sides(x, torch.rand(len(x), device=x.device) < 0.5)\n', '',
     SCIENCE + 'random_pair_order_exchanges_about_half_the_pairs_the_same_for_a_seed'),
    ('accumulation divided by accumulate', 'siamese_mammo/pretrain.py', '(loss/in_step).backward()',
     '(loss/accumulate).backward()', SCIENCE + 'accumulated_micro_batches_give_the_gradient_of_the_whole_batch'),
    ('accumulation not divided', 'siamese_mammo/pretrain.py', '(loss/in_step).backward()', 'loss.backward()',
     SCIENCE + 'accumulated_micro_batches_give_the_gradient_of_the_whole_batch'),
    ('pairs resampled, not women', 'siamese_mammo/report.py',
     'rows = [np.flatnonzero(women == w) for w in np.unique(women)]',
     'rows = [np.array([i]) for i in range(len(women))]', SCIENCE + 'intervals_resample_women_not_pairs'),
    ('asymmetry drawn at the mass peak', 'siamese_mammo/synth.py',
     "peak = ASYMMETRY_PEAK if kind == 'asymmetry' else MASS_PEAK", 'peak = MASS_PEAK',
     SCIENCE + 'lesions_peak_within_their_calibrated_ranges'),
    ('peak drawn from 0', 'siamese_mammo/synth.py', 'out = rng.uniform(*peak)/', 'out = rng.uniform(0, peak[1])/',
     SCIENCE + 'lesions_peak_within_their_calibrated_ranges'),
    ('lesion mix ignored', 'siamese_mammo/synth.py', 'replace=False, p=list(LESION_MIX.values()))]',
     'replace=False, p=None)]', SCIENCE + 'lesion_kinds_follow_the_mix_of_mini_mias'),
    ('texture beta of before the calibration', 'siamese_mammo/synth.py', 'TEXTURE_BETA = 2.7 ', 'TEXTURE_BETA = 3.0 ',
     SCIENCE + 'rendered_texture_matches_the_real_images_spectral_slope'),
    ('LEM: the whole map backpropagated', 'siamese_mammo/lem.py', 'grad, = torch.autograd.grad((S*keep).sum(), x)',
     'grad, = torch.autograd.grad(S.sum(), x)',
     SCIENCE + 'extremum_maps_follow_the_positive_maximum_not_the_larger_negative_region'),
    ('LEM: the minima backpropagated', 'siamese_mammo/lem.py', 'keep = extrema(s)[0] & (s > 0)',
     'keep = extrema(s)[1] & (s < 0)',
     SCIENCE + 'extremum_maps_follow_the_positive_maximum_not_the_larger_negative_region'),
    ('compare_tables blind to cells', 'tools/compare_tables.py', 'if x.at[i, c] != y.at[i, c]]', 'if False]',
     'tests/test_tools.py::test_compare_tables_passes_the_same_tables_and_names_each_changed_cell'),
    ('no Siamese run selected', 'siamese_mammo/paper.py', "selected = best_run(table, folder/'siamese'/'sweep')",
     'selected = None', 'tests/test_paper.py::test_paper_chain_writes_tables_and_figures_and_reuses_runs'),
    ('an unreadable image dropped without a record', 'siamese_mammo/datasets.py',
     '    if problem:\n        skips.add(image_id, *problem)\n        return None',
     '    if problem:\n        return None',
     'tests/test_damaged.py::test_prepare_on_a_damaged_set_records_every_image_and_pair'),
    ('an OMI-DB mark dropped by omidb unnoticed', 'siamese_mammo/datasets.py',
     '    if len(image.marks) == len(raw): return None', '    return None',
     'tests/test_damaged.py::test_reading_a_damaged_omidb_copy_records_every_image'),
]

def run(name:str, file:str, old:str, new:str, test:str):
    "Break `old` into `new` in `file`, run `test`, restore the file; print the verdict."
    path = ROOT/file
    text = path.read_text()
    assert text.count(old) == 1, (name, text.count(old))
    path.write_text(text.replace(old, new))
    try:
        p = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-x', '-p', 'no:cacheprovider', test], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    finally: path.write_text(text)
    last = [line for line in p.stdout.splitlines() if line.strip()][-1]
    shown = new.strip().replace('\n', ' ') or '(deleted)'
    print(f"{'CAUGHT' if p.returncode else 'MISSED'} | {name} | `{file}`: `{old.strip()}` -> `{shown}` | "
          f"{test.split('::')[1]} | {last}", flush=True)

if __name__ == '__main__':
    dirty = subprocess.run(['git', 'status', '--porcelain', 'siamese_mammo', 'tools'], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    if dirty: sys.exit('tools/sabotage.py: commit or stash the changes to siamese_mammo/ and tools/ first')
    for case in CASES:
        if not sys.argv[1:] or case[0] in sys.argv[1:]: run(*case)
