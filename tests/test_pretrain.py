("siamese-mammo pretrain as installed, for every method: a killed run resumes to the same result, a diverging one "
 "stops cleanly, two processes agree.")
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest, torch

BIN = Path(sys.executable).parent

def scored(test:dict) -> bool:
    "Siamese test metrics that are all defined: AUCs in (0, 1) and correlations in [-1, 1]."
    defined = all(0 < v < 1 if k.startswith('auc') else -1 <= v <= 1 for k, v in test.items())
    return defined and {'auc_q', 'rho_q_contrast'} <= set(test)

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    ("A data root with a small synthetic set prepared at P=32 on images of a quarter of the paper's size (10 women; "
     "seed 34 puts abnormal pairs in every split).")
    root = tmp_path_factory.mktemp('data')
    cli = [sys.executable, '-m', 'siamese_mammo.cli']
    subprocess.run(cli + ['synth', '--out', root/'raw'/'synth', '--patients', '10', '--seed', '34', '--size',
                          '576x448', '--workers', '2'],
                   check=True, capture_output=True)
    subprocess.run(cli + ['prepare', '--dataset', 'synth', '--patch', '32', '--size', '288x224', '--data-dir', root,
                          '--workers', '2'],
                   check=True, capture_output=True)
    return root

@pytest.fixture(scope='module')
def omidb(data):
    ("Beside it, 10 other women in the OMI-DB layout (dataset synthomidb32), for evaluation with encoders pretrained "
     "on synth32.")
    cli = [sys.executable, '-m', 'siamese_mammo.cli']
    subprocess.run(cli + ['synth', '--format', 'optimam', '--out', data/'raw'/'synthomidb', '--patients', '10',
                          '--seed', '35', '--size', '576x448', '--workers', '2'],
                   check=True, capture_output=True)
    subprocess.run(cli + ['prepare', '--dataset', 'synthomidb', '--patch', '32', '--size', '288x224', '--data-dir',
                          data, '--workers', '2'],
                   check=True, capture_output=True)
    return data

def pretrain(data, run_dir, *extra, launcher=(sys.executable, '-m')):
    return [*launcher, 'siamese_mammo.cli', 'pretrain', '--dataset', 'synth32', '--data-dir', data,
            '--run-dir', run_dir, '--batch-size', '16', '--lr', '0.05', '--device', 'cpu', *map(str, extra)]

def outcome(run_dir) -> dict:
    "What a run ends with, without its timings."
    m = json.loads((Path(run_dir)/'metrics.json').read_text())
    history = [{k: v for k, v in h.items() if 'seconds' not in k} for h in m['history']]
    return dict(history=history, test=m['test'], floors=m['floors'], best=(m['best_epoch'], m['best_val']))

@pytest.mark.parametrize('method', ['siamese', 'simclr', 'byol'])
def test_killed_run_resumes_to_the_same_result(data, tmp_path, method):
    "A run killed in its second (last) epoch and resumed ends exactly as one that was never stopped."
    run = lambda folder, *extra: pretrain(data, tmp_path/folder, '--epochs', 2, '--method', method, *extra)
    whole = subprocess.run(run('whole'), capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    killed = subprocess.Popen(run('killed'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = tmp_path/'killed'/'metrics.json'
    epochs_done = lambda: len(json.loads(metrics.read_text())['history']) if metrics.exists() else 0
    while killed.poll() is None and epochs_done() < 2: time.sleep(0.02)
    killed.send_signal(signal.SIGKILL); killed.wait()
    state = torch.load(tmp_path/'killed'/'checkpoint.pt', weights_only=True)
    assert state['epoch'] == 1 and json.loads(metrics.read_text())['test'] is None   # killed during epoch 2
    resumed = subprocess.run(run('killed', '--resume'), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed {tmp_path/'killed'} after epoch {state['epoch']}" in resumed.stdout
    assert outcome(tmp_path/'killed') == outcome(tmp_path/'whole')
    result = outcome(tmp_path/'whole')
    if method == 'siamese': assert scored(result['test']), result['test']
    else:   # no collapse (0 = collapsed, 0.044 = spread)
        assert all(h['embedding_std'] > 0.01 and h['val_embedding_std'] > 0.01 for h in result['history'][1:])
    for name in [p.name for p in (tmp_path/'whole').glob('encoder*.pt')]:
        a, b = (torch.load(tmp_path/run/name, weights_only=True) for run in ('whole', 'killed'))
        assert all(torch.equal(a[k], b[k]) for k in a)

def test_resume_refuses_changed_options(data, tmp_path):
    subprocess.run(pretrain(data, tmp_path/'r', '--epochs', 1), check=True, capture_output=True)
    p = subprocess.run(pretrain(data, tmp_path/'r', '--epochs', 1, '--resume', '--loss', 'single'),
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count('\n') == 1
    assert "the checkpoint was made with loss='cross' (now 'single')" in p.stderr
    summary = Path(data)/'processed'/'synth32'/'summary.json'; prepared = summary.read_text()
    try:   # the store prepared again from other inputs
        summary.write_text(json.dumps(dict(json.loads(prepared), inputs='0'*40)))
        p = subprocess.run(pretrain(data, tmp_path/'r', '--epochs', 1, '--resume'), capture_output=True, text=True)
    finally: summary.write_text(prepared)
    assert p.returncode == 2 and p.stderr.count('\n') == 1 and 'was trained on another patch store' in p.stderr
    assert ', now 0000000000000000)' in p.stderr

def test_diverging_loss_stops_with_epoch_and_step(data, tmp_path):
    p = subprocess.run(pretrain(data, tmp_path/'nan', '--epochs', 2, '--lr', '1e30'), capture_output=True, text=True)
    last = p.stderr.strip().splitlines()[-1]   # after the progress bar
    assert p.returncode == 2 and 'Traceback' not in p.stderr and last.startswith('siamese-mammo pretrain: error: loss '
                                                                                 'is nan'), p.stderr
    assert 'at epoch 1, micro-batch' in last and '(optimiser step' in last
    assert 'the last good checkpoint is kept' in p.stderr
    state = torch.load(tmp_path/'nan'/'checkpoint.pt', weights_only=True)
    assert state['epoch'] == 0
    assert all(torch.isfinite(v).all() for sd in state['nets'] for v in sd.values() if v.is_floating_point())

def torchrun(data, run_dir, *extra):
    return subprocess.run(pretrain(data, run_dir, '--epochs', 1, *extra,
                                   launcher=(BIN/'torchrun', '--nproc_per_node', '2', '-m')),
                          capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})

def test_two_processes_agree_on_soft_labels_and_weights(data, tmp_path):
    p = torchrun(data, tmp_path/'ddp')
    assert p.returncode == 0, p.stderr[-3000:]
    ranks = [json.loads((tmp_path/'ddp'/'ranks'/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0] == ranks[1] and ranks[0]['epoch'] == 1 and len(ranks[0]['gmm1']['mean']) == 2
    m = json.loads((tmp_path/'ddp'/'metrics.json').read_text())
    import pandas as pd
    assert m['processes'] == 2
    assert m['sizes']['train'] == (pd.read_csv(Path(data)/'processed'/'synth32'/'pairs.csv').split == 'train').sum()
    assert scored(m['test']), m['test']   # every process scored its share, gathered once per pair

def test_simclr_gathers_negatives_over_two_processes(data, tmp_path):
    p = torchrun(data, tmp_path/'ddp', '--method', 'simclr')
    assert p.returncode == 0, p.stderr[-3000:]
    ranks = [json.loads((tmp_path/'ddp'/'ranks'/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0]['weights'] == ranks[1]['weights']
    m = json.loads((tmp_path/'ddp'/'metrics.json').read_text())
    assert m['processes'] == 2 and m['test']['loss'] > 0 and m['config']['method'] == 'simclr'

def test_sweep_writes_table1(data, tmp_path):
    p = subprocess.run([sys.executable, '-m', 'siamese_mammo.cli', 'sweep', '--dataset', 'synth32', '--data-dir', data,
                        '--out', tmp_path/'sweep',
                        '--batch-sizes', '16,32', '--lrs', '0.05', '--micro-batch', '16', '--epochs', '1', '--limit',
                        '64', '--device', 'cpu'],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    import pandas as pd
    t = pd.read_csv(tmp_path/'sweep'/'table1.csv')
    assert list(t.batch_size) == [16, 32] and (t.status == 'ok').all()
    # the smoke split may hold one class
    assert t.best.sum() == t.val.notna().any() and (t.val[t.best] == t.val.max()).all()
    assert (tmp_path/'sweep'/'B32_lr0.05'/'05_pretrain.ipynb').exists()
    cfg = json.loads((tmp_path/'sweep'/'B32_lr0.05'/'metrics.json').read_text())['config']
    assert (cfg['batch_size'], cfg['accumulate']) == (16, 2)

@pytest.mark.parametrize('method', ['simclr', 'byol'])
def test_notebook_runs_the_baselines(data, tmp_path, method):
    "papermill nbs/05_pretrain.ipynb OUT -p method simclr: the same notebook trains the baselines."
    p = subprocess.run([BIN/'papermill', 'nbs/05_pretrain.ipynb', tmp_path/'out.ipynb', '-p', 'dataset', 'synth32',
                        '-p', 'method', method,
                        '-p', 'data_dir', str(data), '-p', 'run_dir', str(tmp_path/method), '-p', 'limit', '64', '-p',
                        'device', 'cpu'],
                       cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    m = json.loads((tmp_path/method/'metrics.json').read_text())
    assert m['config']['method'] == method and m['select'] == 'loss' and np.isfinite(m['test']['loss'])
    assert (tmp_path/method/'encoder.pt').exists() and f'{method} on synth32' in (tmp_path/'out.ipynb').read_text()

def test_paper_chain_writes_tables_and_figures_and_reuses_runs(omidb, tmp_path):
    ("siamese-mammo paper --preset smoke: Tables 1-2 and Figures 3-6 from one command, synthomidb32 evaluated with "
     "synth32's encoders; a second call recomputes nothing.")
    data = omidb
    cmd = [sys.executable, '-m', 'siamese_mammo.cli', 'paper', '--datasets', 'synth32', '--transfer', 'synthomidb32',
           '--preset', 'smoke', '--data-dir', data,
           '--runs-dir', tmp_path/'runs', '--out', tmp_path/'fig', '--device', 'cpu']
    first = subprocess.run(cmd, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads((tmp_path/'fig'/'paper_report.json').read_text())
    # the smoke split may leave validation with one class
    siamese = not any('no Siamese run' in f for f in report['failures'])
    for name in ['table1', 'table2'] + [f'figure{k}_synth32' for k in ((3, 4, 5, 6) if siamese else (3, 5, 6))]:
        assert (tmp_path/'fig'/f'{name}.png').exists() or (tmp_path/'fig'/f'{name}.md').exists(), name
    import pandas as pd
    t2 = pd.read_csv(tmp_path/'fig'/'table2.csv')
    models = ['siamese'][:siamese] + ['simclr', 'byol', 'untrained encoder', 'raw pixels']
    own, other = t2[t2.dataset == 'synth32'], t2[t2.dataset == 'synthomidb32']
    assert list(own.model) == models and (own.pretrained_on == 'synth32').all()
    assert own.AUC.str.fullmatch(r'\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]').all()
    # the transfer rows: the same encoders on the other set
    assert list(other.model) == models and (other.pretrained_on == 'synth32').all()
    # the VinDr layout has no outcome, and the report says so
    assert any(s.startswith('synth32 outcome: skipped') for s in report['skipped'])
    assert (tmp_path/'runs'/'synth32'/'simclr'/'05_pretrain.ipynb').exists()
    assert (tmp_path/'runs'/'10_paper_smoke.ipynb').exists()
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path/'runs').rglob('*.pt')}
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in (tmp_path/'runs').rglob('*.pt')} == stamps   # no run retrained
    assert pd.read_csv(tmp_path/'fig'/'table2.csv').equals(t2)

def test_gpu_check_runs_tiny_on_cpu(data, tmp_path):
    "benchmarks/gpu_check.py --tiny: the GPU check's JSON on CPU, so that the script keeps working where no GPU is."
    out = tmp_path/'gpu_check.json'
    p = subprocess.run([sys.executable, 'benchmarks/gpu_check.py', '--tiny', '--data-dir', data, '--dataset',
                        'synth32', '--out', out],
                       cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(out.read_text())
    assert set(r['methods']) == {'siamese', 'simclr',
                                 'byol'} and all(m['patches_per_s'] > 0 for m in r['methods'].values())
    assert r['methods']['siamese']['epoch_over_bare'] > 0
    assert r['methods']['siamese']['patches'] == 2*r['methods']['simclr']['patches']
    assert r['ddp_one_process']['returncode'] == 0 and r['ddp_one_process']['processes'] == 1, r['ddp_one_process']
