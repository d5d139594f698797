("The paper chain as installed, run once (`siamese-mammo paper --preset smoke`), and what is read off its outputs: "
 "Tables 1-2 and Figures 3-6, the reuse of finished runs, the sweep, the baselines, and that no fake patient name, "
 "ID or birth date from the synthetic DICOM headers reaches any output.")
import json, re, subprocess
import numpy as np, pydicom, pytest, torch
from PIL import Image
from pathlib import Path
from conftest import installed, synth_prepared

@pytest.fixture(scope='module')
def omidb(data):
    ("Beside it, 10 other women in the OMI-DB layout (dataset synthomidb32), for evaluation with encoders pretrained "
     "on synth32.")
    return synth_prepared(data, 'synthomidb', 10, 35)

PAPER_CHAIN = 'paper --datasets synth32 --transfer synthomidb32 --preset smoke --device cpu'.split()

@pytest.fixture(scope='module')
def paper_chain(omidb, tmp_path_factory):
    ("`siamese-mammo paper --preset smoke` run once, as installed and from a folder outside the checkout: its runs "
     "(a two-point Siamese grid, SimCLR, BYOL, the triplet baseline) and its tables and figures.")
    out = tmp_path_factory.mktemp('paper')
    cmd = installed(*PAPER_CHAIN, '--data-dir', omidb, '--runs-dir', out/'runs', '--out', out/'fig')
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=out)
    assert first.returncode == 0, first.stderr[-3000:]
    return dict(cmd=cmd, data=omidb, runs=out/'runs', fig=out/'fig', root=out)

def test_paper_chain_writes_tables_and_figures_and_reuses_runs(paper_chain):
    ("siamese-mammo paper --preset smoke: Tables 1-2 and Figures 3-6 from one command, synthomidb32 evaluated with "
     "synth32's encoders; a second call recomputes nothing.")
    fig, runs = paper_chain['fig'], paper_chain['runs']
    report = json.loads((fig/'paper_report.json').read_text())
    assert report['failures'] == [], report['failures']   # the smoke grid yields a selected Siamese run
    assert (fig/'table1.md').exists() and (fig/'table2.md').exists()
    for k in (3, 4, 5, 6):   # each figure a readable PNG of a figure's size, not blank
        with Image.open(fig/f'figure{k}_synth32.png') as im:
            pixels = np.asarray(im.convert('L'))
            assert im.format == 'PNG' and min(im.size) >= 300 and pixels.std() > 10, (k, im.size, pixels.std())
    import pandas as pd
    t2 = pd.read_csv(fig/'table2.csv')
    models = ['siamese', 'simclr', 'byol', 'triplet', 'untrained encoder', 'raw pixels']
    own, other = t2[t2.dataset == 'synth32'], t2[t2.dataset == 'synthomidb32']
    assert list(own.model) == models and (own.pretrained_on == 'synth32').all()
    assert own.AUC.str.fullmatch(r'\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]').all()
    # the transfer rows: the same encoders on the other set
    assert list(other.model) == models and (other.pretrained_on == 'synth32').all()
    # the VinDr layout has no outcome, and the report says so
    assert any(s.startswith('synth32 outcome: skipped') for s in report['skipped'])
    assert (runs/'synth32'/'simclr'/'05_pretrain.ipynb').exists() and (runs/'10_paper_smoke.ipynb').exists()
    curve = pd.read_csv(fig/'label_efficiency.csv')   # the label-efficiency table: every model, a column per budget
    assert list(curve.model) == models and list(curve.columns[:2]) == ['dataset', 'model']
    assert curve.iloc[:, 2:].stack().str.fullmatch(r'\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]').all()
    assert curve.columns[-1].startswith('all (') and (fig/'label_efficiency_synth32.png').stat().st_size > 10_000
    t6 = pd.read_csv(fig/'lem'/'table6_synth32.csv')   # Table 6: LEM from a new backbone and each pretrained encoder
    assert list(t6.backbone) == ['none'] + models[:-2] and t6.auc.between(0, 1).all()
    assert (fig/'lem'/'lem_dice_synth32.png').exists() and set(report['lem']) == {'synth32'}
    cached = lambda: {p: p.stat().st_mtime_ns for p in runs.rglob('*') if p.suffix in ('.pt', '.npz')}
    stamps = cached()
    again = subprocess.run(paper_chain['cmd'], capture_output=True, text=True, cwd=paper_chain['root'])
    assert again.returncode == 0, again.stderr[-3000:]
    assert cached() == stamps and any(p.name == 'umap.npz' for p in stamps)   # nothing retrained or projected again
    assert pd.read_csv(fig/'table2.csv').equals(t2)

def test_sweep_writes_table1(paper_chain, cli):
    ("The chain's grid (B16, and B32 by two micro-batches of 16): Table 1 with one best row; `siamese-mammo sweep` "
     "with the same options reuses its finished runs.")
    import pandas as pd
    sweep = paper_chain['runs']/'synth32'/'siamese'/'sweep'
    t = pd.read_csv(sweep/'table1.csv')
    assert list(t.batch_size) == [16, 32] and (t.status == 'ok').all()
    # every run has a finite validation AUC, and the one best row is the highest
    assert t.val.notna().all() and t.best.sum() == 1 and t.val[t.best].iloc[0] == t.val.max(), t
    assert (sweep/'B32_lr0.05'/'05_pretrain.ipynb').exists()
    cfg = json.loads((sweep/'B32_lr0.05'/'metrics.json').read_text())['config']
    assert (cfg['batch_size'], cfg['accumulate']) == (16, 2)
    weights = lambda: {p: p.stat().st_mtime_ns for p in sweep.rglob('*.pt')}
    stamps = weights()
    p = cli('sweep', '--dataset', 'synth32', '--data-dir', paper_chain['data'], '--out', sweep, '--batch-sizes',
            '16,32', '--lrs', '0.05', '--micro-batch', '16', '--epochs', '1', '--limit', '0', '--device', 'cpu')
    assert p.returncode == 0, p.stderr[-3000:]
    assert weights() == stamps and pd.read_csv(sweep/'table1.csv').equals(t)

@pytest.mark.parametrize('method', ['simclr', 'byol', 'triplet'])
def test_notebook_runs_the_baselines(paper_chain, method):
    ("papermill nbs/05_pretrain.ipynb OUT -p method simclr (as the chain runs it): the same notebook trains the "
     "baselines.")
    run = paper_chain['runs']/'synth32'/method
    m = json.loads((run/'metrics.json').read_text())
    assert m['config']['method'] == method and m['select'] == 'loss' and np.isfinite(m['test']['loss'])
    assert (run/'encoder.pt').exists() and f'{method} on synth32' in (run/'05_pretrain.ipynb').read_text()

def strings(obj) -> list[str]:
    "Every string inside a nested structure of dicts, lists and tuples (keys included)."
    if isinstance(obj, str): return [obj]
    if isinstance(obj, dict): return [s for k, v in obj.items() for s in strings(k) + strings(v)]
    return [s for v in obj for s in strings(v)] if isinstance(obj, (list, tuple)) else []

def without_images(nb:dict) -> dict:
    ("A notebook with its image outputs removed: base64 pixels cannot carry a header, but can spell a short name by "
     "chance.")
    for cell in nb['cells']:
        for out in cell.get('outputs', []):
            out['data'] = {k: v for k, v in out.get('data', {}).items() if not k.startswith('image/')}
    return nb

def texts(f:Path) -> list[str]:
    ("The text a file could carry an identifier in. Arrays and tensors must be numeric (pixels cannot spell a name); "
     "their metadata is text.")
    if f.suffix == '.pt':
        obj = torch.load(f, weights_only=True)
        tensors = [t for t in torch.utils._pytree.tree_leaves(obj) if isinstance(t, torch.Tensor)]
        assert all(not t.dtype.is_complex for t in tensors), f
        return strings(obj)
    if f.suffix == '.ipynb': return [json.dumps(without_images(json.loads(f.read_text())))]
    if f.suffix not in ('.npy', '.npz'): return [f.read_bytes().decode('latin-1')]
    arrays = {'': np.load(f, mmap_mode='r')} if f.suffix == '.npy' else dict(np.load(f))
    meta = arrays.pop('meta', None)
    assert all(a.dtype.kind in 'uif' for a in arrays.values()), f
    return [] if meta is None else [meta.tobytes().decode()]

def finder(secrets:set[str]) -> re.Pattern:
    ("One pattern for all secrets: an all-digit one (an ID number, a birth date) as a token, since inside a longer "
     "number, such as the digits of an AUC, it is chance; the others anywhere.")
    token = lambda s: rf'(?<!\d){re.escape(s)}(?!\d)' if s.isdigit() else re.escape(s)
    return re.compile('|'.join(map(token, sorted(secrets))))

def test_no_identifier_in_outputs(paper_chain):
    data, root = paper_chain['data'], paper_chain['root']
    dicoms = sorted((data/'raw').rglob('*.dicom')) + sorted((data/'raw').rglob('*.dcm'))
    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in dicoms]
    secrets = {v for h in headers for v in (str(h.PatientID), str(h.PatientBirthDate), *str(h.PatientName).split('^'))}
    assert len(headers) == 80 and len({str(h.PatientID) for h in headers}) == 20   # both layouts, 10 women each
    outputs = [f for f in [*(data/'processed').rglob('*'), *root.rglob('*')] if f.is_file()]
    names = {f.name for f in outputs}
    assert {'exams.csv', 'pairs.npy', 'metrics.json', 'metrics.csv', 'checkpoint.pt', 'encoder1.pt', 'encoder.pt',
            '05_pretrain.ipynb', '10_paper_smoke.ipynb', 'table2.csv', 'paper_report.json'} <= names, names
    assert any(f.suffix == '.npz' for f in outputs) and any(f.suffix == '.pdf' for f in outputs)
    find = finder(secrets)
    for f in outputs:
        found = {m for text in texts(f) for m in find.findall(text)}
        assert not found, f'{f}: {found}'
