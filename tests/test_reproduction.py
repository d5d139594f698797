("`siamese-mammo reproduce --preset smoke` on a copy of the 40-image mini-MIAS sample given as --raw (the way the "
 "other half of the database is given): the results page, both arms and orders, floors that agree with the runs' "
 "own, reuse.")
import json, shutil
import pandas as pd, pytest
from siamese_mammo.datasets import mias_sample
from siamese_mammo.reproduction import reproduce

@pytest.fixture(scope='module')
def reproduction(tmp_path_factory):
    "The smoke reproduction run once through the command (papermill), on the sample copied to a folder of another name."
    from siamese_mammo.cli import main
    root = tmp_path_factory.mktemp('repro')
    raw = root/'mini-mias-other'
    shutil.copytree(mias_sample(), raw)
    args = ['reproduce', '--raw', raw, '--preset', 'smoke', '--device', 'cpu', '--data-dir', root/'data',
            '--runs-dir', root/'runs', '--out', root/'page']
    assert main(list(map(str, args))) == 0
    return dict(root=root, raw=raw, page=root/'page', runs=root/'runs'/'reproduction'/'mini-mias-other')

def test_results_page(reproduction):
    "The page holds every table and the figure; each arm's 1 - q comes in four orders, and the floors are there."
    page = reproduction['page']
    report = json.loads((page/'report.json').read_text())
    assert report['raw'] == 'mini-mias-other' and report['failures'] == [], report
    assert set(report['selected']) == {'paper', 'trainable'}
    assert (reproduction['root']/'data'/'reproduction'/'mini-mias-other'/'processed'/'mias32'/'pairs.npy').exists()
    scores = pd.read_csv(page/'scores.csv')
    for arm in ('paper', 'trainable'):
        assert set(scores[scores.arm == arm].score) == {'q', 'q_swapped', 'q_mean', 'q_max', 'd'}
    assert {'pixel_difference', 'untrained_d1', 'asymmetry', 'brighter', 'brighter_mean'} <= set(
        scores[scores.arm == 'floor'].score)
    ok = scores.dropna(subset=['test'])
    assert ((ok['test lo'] <= ok.test + 1e-9) & (ok.test <= ok['test hi'] + 1e-9)).all()
    assert scores['all pairs'].notna().all()
    diffs = pd.read_csv(page/'differences.csv')
    assert set(diffs.floor) == {'pixel_difference', 'untrained_d1', 'asymmetry'} and set(diffs.split) == {'test',
                                                                                                         'all pairs'}
    grid = pd.read_csv(page/'grid.csv')
    assert {'val', 'val_paper', 'test', 'test_paper', 'test_max', 'asymmetry'} <= set(grid.columns)
    models = {'siamese (paper)', 'siamese (trainable)', 'simclr', 'byol', 'triplet', 'untrained encoder', 'raw pixels'}
    assert set(pd.read_csv(page/'table2.csv').model) == models
    assert set(pd.read_csv(page/'label_efficiency.csv').model) == models
    assert (page/'label_efficiency.png').stat().st_size > 10_000
    assert (page/'reproduction.png').stat().st_size > 10_000

def test_floors_match_the_runs_own(reproduction):
    ("The untrained networks rebuilt by score_pairs give, on the test split, the floors the run recorded; the trained "
     "scores give its test AUCs in both orders.")
    from siamese_mammo.report import average_auc
    run = reproduction['runs']/'paper'/'B16_lr0.001'
    m = json.loads((run/'metrics.json').read_text())
    floors, scores = pd.read_csv(run/'pair_floors.csv'), pd.read_csv(run/'pair_scores.csv')
    test = floors.split == 'test'
    for name in ('pixel_difference', 'untrained_d1', 'asymmetry'):
        assert average_auc(floors[name][test], floors.A[test]) == pytest.approx(m['floors'][name], abs=1e-6), name
    test = scores.split == 'test'
    assert average_auc(scores.q[test], scores.A[test]) == pytest.approx(m['test']['auc_q'], abs=1e-6)
    assert average_auc(scores.q_swapped[test], scores.A[test]) == pytest.approx(m['test']['auc_q_swapped'], abs=1e-6)

def test_second_call_reuses_everything(reproduction):
    "Called again, the reproduction retrains and rescores nothing and writes the same tables."
    run = reproduction['runs']/'paper'/'B16_lr0.001'
    stamps = {p: p.stat().st_mtime_ns for p in [run/'best.pt', run/'pair_scores.csv', run/'pair_floors.csv']}
    before = pd.read_csv(reproduction['page']/'scores.csv')
    reproduce(str(reproduction['raw']), 'smoke', str(reproduction['root']/'data'), str(reproduction['root']/'runs'),
              str(reproduction['page']), device='cpu')
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    pd.testing.assert_frame_equal(pd.read_csv(reproduction['page']/'scores.csv'), before)

def test_lem_takes_the_reproductions_runs_as_backbones(reproduction, tmp_path):
    "On the reproduction's folder, `lem --backbone siamese,simclr` starts from the trainable arm's selected run."
    from siamese_mammo.cli import main
    root, runs = reproduction['root'], reproduction['runs']
    args = ['lem', '--raw', reproduction['raw'], '--backbone', 'siamese,simclr', '--preset', 'smoke', '--device', 'cpu',
            '--data-dir', root/'data', '--runs-dir', root/'runs', '--out', tmp_path]
    assert main(list(map(str, args))) == 0
    t = pd.read_csv(tmp_path/'table6_mini-mias-other.csv')
    assert list(t.backbone) == ['siamese', 'simclr'] and t.auc.notna().all()
    selected = json.loads((reproduction['page']/'report.json').read_text())['selected']['trainable']
    config = lambda b: json.loads((runs/'lem'/b/'metrics.json').read_text())['config']
    assert config('siamese')['backbone'] == f"siamese={runs/'trainable'/selected}"
    assert config('simclr')['backbone'] == 'simclr'
