("siamese-mammo pretrain for every method: a killed run resumes to the same result, a diverging one stops cleanly, "
 "two processes agree; the GPU check runs on CPU.")
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import BIN, ROOT, installed

def scored(test:dict) -> bool:
    "Siamese test metrics that are all defined: AUCs in (0, 1) and correlations in [-1, 1]."
    defined = all(0 < v < 1 if k.startswith('auc') else -1 <= v <= 1 for k, v in test.items())
    return defined and {'auc_q', 'rho_q_contrast'} <= set(test)

def pretrain(data, run_dir, *extra):
    "The options of a short pretraining run on synth32 (128 samples per split: an epoch takes a few seconds)."
    return ['pretrain', '--dataset', 'synth32', '--data-dir', data, '--run-dir', run_dir, '--batch-size', '16', '--lr',
            '0.05', '--device', 'cpu', '--limit', '128', *map(str, extra)]

def outcome(run_dir) -> dict:
    "What a run ends with, without its timings."
    m = json.loads((Path(run_dir)/'metrics.json').read_text())
    history = [{k: v for k, v in h.items() if 'seconds' not in k} for h in m['history']]
    return dict(history=history, test=m['test'], floors=m['floors'], best=(m['best_epoch'], m['best_val']))

ALTERNATIVES = {'bmm': ['--labeller', 'bmm'], 'logit': ['--soft-target', 'logit'], 'abs_diff': ['--head', 'abs_diff'],
                'soft_triplet': ['--loss', 'soft_triplet', '--margin', '0.5'],
                'ssl_weighted': ['--loss', 'ssl_weighted'],
                'contralateral': ['--loss', 'contralateral']}   # the paper's alternatives, the variant (06_siamese)
TRIPLET = ['--method', 'triplet', '--lr', '1e-4', '--triplet-positives', '3']   # Adam's rate; a short clip
RESUMED = {'simclr': ['--method', 'simclr'], 'byol': ['--method', 'byol'], 'triplet': TRIPLET,
           'triplet_bilateral': [*TRIPLET, '--triplet-bilateral'], 'triplet_lars': [*TRIPLET, '--optimizer', 'lars'],
           'siamese': ['--pair-order', 'random'],   # random sides: the draws must resume too
           **{k: ['--pair-order', 'random', *v] for k, v in ALTERNATIVES.items()}}

SINGLES = ('simclr', 'byol', 'triplet', 'triplet_bilateral', 'triplet_lars')   # methods on single patches

@pytest.mark.parametrize('method', RESUMED)
def test_killed_run_resumes_to_the_same_result(data, tmp_path, cli, method):
    ("A run of the installed command killed in its second (last) epoch and resumed ends exactly as one that was never "
     "stopped: every method, and the Siamese method with each of its alternatives.")
    run = lambda folder, *extra: pretrain(data, tmp_path/folder, '--epochs', 2, *RESUMED[method], *extra)
    whole = cli(*run('whole'))
    assert whole.returncode == 0, whole.stderr
    killed = subprocess.Popen(installed(*run('killed')), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = tmp_path/'killed'/'metrics.json'
    epochs_done = lambda: len(json.loads(metrics.read_text())['history']) if metrics.exists() else 0
    while killed.poll() is None and epochs_done() < 2: time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    state = torch.load(tmp_path/'killed'/'checkpoint.pt', weights_only=True)
    assert state['epoch'] == 1 and json.loads(metrics.read_text())['test'] is None   # killed during epoch 2
    resumed = cli(*run('killed', '--resume'))
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed {tmp_path/'killed'} after epoch {state['epoch']}" in resumed.stdout
    assert outcome(tmp_path/'killed') == outcome(tmp_path/'whole')
    result = outcome(tmp_path/'whole')
    if method not in SINGLES: assert scored(result['test']), result['test']
    else:   # no collapse (0 = collapsed, 0.044 = spread); a triplet smoke run's evaluation-mode spread starts lower
        # (its BatchNorm statistics after a few Adam steps at 1e-4), so it is checked in training mode
        spreads = ('embedding_std',) if method.startswith('triplet') else ('embedding_std', 'val_embedding_std')
        assert all(h[k] > 0.01 for h in result['history'][1:] for k in spreads), result['history']
    for name in [p.name for p in (tmp_path/'whole').glob('encoder*.pt')]:
        a, b = (torch.load(tmp_path/run/name, weights_only=True) for run in ('whole', 'killed'))
        assert all(torch.equal(a[k], b[k]) for k in a)

def test_resume_refuses_changed_options(data, tmp_path, cli):
    assert cli(*pretrain(data, tmp_path/'r', '--epochs', 1)).returncode == 0
    p = cli(*pretrain(data, tmp_path/'r', '--epochs', 1, '--resume', '--loss', 'single'))
    assert p.returncode == 2 and p.stderr.count('\n') == 1
    assert "the checkpoint was made with loss='cross' (now 'single')" in p.stderr
    summary = Path(data)/'processed'/'synth32'/'summary.json'
    prepared = summary.read_text()
    try:   # the store prepared again from other inputs
        summary.write_text(json.dumps(dict(json.loads(prepared), inputs='0'*40)))
        p = cli(*pretrain(data, tmp_path/'r', '--epochs', 1, '--resume'))
    finally: summary.write_text(prepared)
    assert p.returncode == 2 and p.stderr.count('\n') == 1 and 'was trained on another patch store' in p.stderr
    assert ', now 0000000000000000)' in p.stderr

DIVERGING = {'siamese': [], **ALTERNATIVES, 'triplet': TRIPLET}

@pytest.mark.parametrize('variant', DIVERGING)
def test_diverging_loss_stops_with_epoch_and_step(data, tmp_path, cli, variant):
    "A loss that becomes nan stops the run with one line naming where, the last good checkpoint kept (every variant)."
    p = cli(*pretrain(data, tmp_path/'nan', '--epochs', 2, *DIVERGING[variant], '--lr', '1e30'))
    last = p.stderr.strip().splitlines()[-1]   # after the progress bar
    assert p.returncode == 2 and 'Traceback' not in p.stderr and last.startswith('siamese-mammo pretrain: error: loss '
                                                                                 'is nan'), p.stderr
    assert 'at epoch 1, micro-batch' in last and '(optimiser step' in last
    assert 'the last good checkpoint is kept' in p.stderr
    state = torch.load(tmp_path/'nan'/'checkpoint.pt', weights_only=True)
    assert state['epoch'] == 0
    assert all(torch.isfinite(v).all() for sd in state['nets'] for v in sd.values() if v.is_floating_point())

def torchrun(data, run_dir, *extra):
    return subprocess.run(installed(*pretrain(data, run_dir, '--epochs', 1, *extra),
                                    launcher=(BIN/'torchrun', '--nproc_per_node', '2', '-m')),
                          capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})

@pytest.mark.parametrize('labeller', ['gmm', 'bmm'])
def test_two_processes_agree_on_soft_labels_and_weights(data, tmp_path, labeller):
    p = torchrun(data, tmp_path/'ddp', '--labeller', labeller)
    assert p.returncode == 0, p.stderr[-3000:]
    ranks = [json.loads((tmp_path/'ddp'/'ranks'/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0] == ranks[1] and ranks[0]['epoch'] == 1 and len(ranks[0]['gmm1']['mean']) == 2
    m = json.loads((tmp_path/'ddp'/'metrics.json').read_text())
    import pandas as pd
    assert m['processes'] == 2
    split = pd.read_csv(Path(data)/'processed'/'synth32'/'pairs.csv').split.value_counts()
    # the limit of 128 over both processes, not each
    assert m['sizes'] == {k: min(128, int(split[k])) for k in ('train', 'val', 'test')}, m['sizes']
    assert scored(m['test']), m['test']   # every process scored its share, gathered once per pair

@pytest.mark.parametrize('method', [['--method', 'simclr'], TRIPLET])
def test_single_patch_methods_agree_over_two_processes(data, tmp_path, method):
    "SimCLR (negatives gathered over the processes) and the triplet baseline (Adam) keep the ranks' weights equal."
    p = torchrun(data, tmp_path/'ddp', *method)
    assert p.returncode == 0, p.stderr[-3000:]
    ranks = [json.loads((tmp_path/'ddp'/'ranks'/f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0]['weights'] == ranks[1]['weights']
    m = json.loads((tmp_path/'ddp'/'metrics.json').read_text())
    assert m['processes'] == 2 and m['test']['loss'] > 0 and m['config']['method'] == method[1]

def test_gpu_check_runs_tiny_on_cpu(data, tmp_path):
    "benchmarks/gpu_check.py --tiny: the GPU check's JSON on CPU, so that the script keeps working where no GPU is."
    out = tmp_path/'gpu_check.json'
    p = subprocess.run([sys.executable, 'benchmarks/gpu_check.py', '--tiny', '--data-dir', data, '--dataset',
                        'synth32', '--out', out],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(out.read_text())
    from siamese_mammo.options import METHODS
    assert set(r['methods']) == set(METHODS) and all(m['patches_per_s'] > 0 for m in r['methods'].values())
    assert r['methods']['siamese']['epoch_over_bare'] > 0
    assert r['methods']['siamese']['patches'] == 2*r['methods']['simclr']['patches']
    assert r['ddp_one_process']['returncode'] == 0 and r['ddp_one_process']['processes'] == 1, r['ddp_one_process']
