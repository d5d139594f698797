("`siamese-mammo alternatives --preset smoke` on the synthetic test set: Table 5 with every row of the paper's "
 "alternatives and the floors, each row's scores agreeing with its run's own record, and reuse.")
import json
from pathlib import Path
import pandas as pd, pytest
from siamese_mammo.alternatives import VARIANTS, pair_score
from siamese_mammo.pretrain import split_rows
from siamese_mammo.reproduction import FLOORS, run_config
from siamese_mammo.siamese import SCORED_BY_D
from siamese_mammo.report import average_auc
from siamese_mammo.store import open_store

@pytest.fixture(scope='module')
def ablation(data, tmp_path_factory):
    "The smoke ablation run once through the command (papermill) on synth32."
    from siamese_mammo.cli import main
    root = tmp_path_factory.mktemp('alternatives')
    args = ['alternatives', '--datasets', 'synth32', '--preset', 'smoke', '--device', 'cpu', '--data-dir', data,
            '--runs-dir', root/'runs', '--out', root/'page']
    assert main(list(map(str, args))) == 0
    return dict(page=root/'page', runs=root/'runs'/'alternatives'/'synth32', args=args)

def test_table5_has_every_row_and_the_floors(ablation):
    page = ablation['page']
    report = json.loads((page/'report.json').read_text())
    assert report['failures'] == [] and report['budget']['run']['epochs'] == 1, report
    assert Path(report['sources']['synth32']['figure4']).stat().st_size > 10_000   # the Beta mixture's curves
    t = pd.read_csv(page/'table5.csv')
    assert list(t.row) == [*VARIANTS, *(f'floor: {f}' for f in FLOORS)] and set(t.data) == {'synth32'}
    rows = t[~t.row.str.startswith('floor')].set_index('row')
    for name, (options, _) in VARIANTS.items():
        assert rows.score[name] == ('D' if options.get('loss') in SCORED_BY_D else '1 - q'), name
    d = rows[rows.score == 'D']
    # D is symmetric: one order (a smoke validation split may hold one class: nan in both)
    assert d.test.equals(d.test_paper) and d.val.equals(d.val_paper)
    assert ((rows.test_lo <= rows.test + 1e-9) & (rows.test <= rows.test_hi + 1e-9)).all()
    assert rows.best_floor.isin(FLOORS).all() and rows.minus_floor.notna().all()
    diffs = pd.read_csv(page/'differences.csv')
    assert len(diffs) == len(VARIANTS)*len(FLOORS) and set(diffs.floor) == set(FLOORS)

def test_scores_agree_with_each_runs_record(ablation):
    ("Each row's validation AUC is the one its run was selected by, and its pair scores (scored again from best.pt), "
     "on the run's own validation and test pairs (`limit` subsets every split), give the AUCs the run recorded.")
    rows = pd.read_csv(ablation['page']/'table5.csv').set_index('row')
    for name in VARIANTS:
        run = ablation['runs']/name
        m = json.loads((run/'metrics.json').read_text())
        key = 'auc_d' if rows.score[name] == 'D' else 'auc_q_mean'
        assert m['select'] == key, name
        selected = m['history'][m['best_epoch']]
        assert rows.val[name] == pytest.approx(selected['val_' + key], abs=1e-9, nan_ok=True), name
        cfg = run_config(run)
        table = open_store(cfg.resolve().processed).table
        _, scores = pair_score(run)
        for split, recorded in [('val', selected['val_' + key]), ('test', m['test'][key])]:
            own = split_rows(table, split, 'pairs', cfg.limit, cfg.seed)
            rescored = average_auc(scores.invariant.loc[own].to_numpy(), table.A.to_numpy()[own])
            assert rescored == pytest.approx(recorded, abs=1e-6, nan_ok=True), (name, split)

def test_second_call_reuses_everything(ablation, data):
    "Called again, the ablation retrains nothing and writes the same table."
    from siamese_mammo.cli import main
    before = (ablation['page']/'table5.csv').read_text()
    stamps = {p: p.stat().st_mtime for p in ablation['runs'].glob('*/best.pt')}
    assert main(list(map(str, ablation['args']))) == 0
    assert (ablation['page']/'table5.csv').read_text() == before
    assert {p: p.stat().st_mtime for p in stamps} == stamps and len(stamps) == len(VARIANTS)

def test_a_call_keeps_the_other_sources_rows(ablation, tmp_path):
    "A call replaces the rows of the sources it names and keeps those an earlier call wrote for another source."
    import shutil
    from siamese_mammo.cli import main
    page = shutil.copytree(ablation['page'], tmp_path/'page')
    for name in ('table5.csv', 'differences.csv'):   # the same rows, as if written for another source
        t = pd.read_csv(page/name)
        pd.concat([t.assign(data='other'), t]).to_csv(page/name, index=False)
    report = json.loads((page/'report.json').read_text())
    report['sources']['other'] = dict(report['sources']['synth32'], command='an earlier call')
    (page/'report.json').write_text(json.dumps(report))
    args = list(map(str, ablation['args']))
    args[args.index('--out') + 1] = str(page)
    assert main(args) == 0
    t, first = pd.read_csv(page/'table5.csv'), pd.read_csv(ablation['page']/'table5.csv')
    assert list(t.data.unique()) == ['other', 'synth32'] and len(t) == 2*len(first)
    pd.testing.assert_frame_equal(t[t.data == 'synth32'].reset_index(drop=True), first)
    merged = json.loads((page/'report.json').read_text())
    assert merged['sources'].keys() == {'other', 'synth32'}
    assert merged['sources']['other']['command'] == 'an earlier call'
    assert merged['sources']['other']['counts'] == report['sources']['synth32']['counts']
    assert 'an earlier call' in (page/'table5.md').read_text()
    md = (page/'table5.md').read_text().splitlines()
    cells = lambda data: [line.split('|', 2)[2] for line in md if line.startswith(f'| {data} ')]
    assert cells('other') == cells('synth32')   # the kept rows render as written (an empty verdict stays empty)
