"siamese-mammo prepare: its stores, sharded runs and a killed run that end identical to one uninterrupted run."
import hashlib, json, os, signal, subprocess, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from conftest import installed

STORE_FILES = ['pairs.npy', 'pairs.csv', 'labelled.npy', 'labelled.csv', 'exams.csv']

@pytest.fixture(scope='module')
def raw(tmp_path_factory):
    "A small synthetic set at half the paper's size (8 women, 16 image pairs)."
    from siamese_mammo.synth import synth_dataset
    return synth_dataset(tmp_path_factory.mktemp('raw')/'synth', 8, 21, size=(576, 448), workers=2)

def prepare_args(raw, out, *extra) -> list[str]:
    return ['prepare', '--dataset', 'synth', '--raw', str(raw), '--out', str(out), '--patch', '64', '--size', '576x448',
            *map(str, extra)]

@pytest.fixture(scope='module')
def whole(raw, tmp_path_factory):
    "The stores of one uninterrupted run of the installed command with two workers, and what it printed."
    out = tmp_path_factory.mktemp('whole')
    p = subprocess.run(installed(*prepare_args(raw, out, '--workers', 2)), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return out

def digests(out): return {f: hashlib.sha1((Path(out)/f).read_bytes()).hexdigest() for f in STORE_FILES}

def test_prepare_writes_stores(whole):
    pairs = np.load(whole/'pairs.npy', mmap_mode='r')
    table = pd.read_csv(whole/'pairs.csv')
    assert isinstance(pairs, np.memmap) and pairs.dtype == np.uint16 and pairs.shape == (len(table), 2, 64, 64)
    assert list(table.columns[:11]) == ['patient_id', 'study_id', 'view', 'row', 'col', 'x1', 'y1', 'x2', 'y2', 'A',
                                        'abnormal_side']
    assert table.groupby('patient_id').split.nunique().max() == 1
    summary = json.loads((whole/'summary.json').read_text())
    exams = pd.read_csv(whole/'exams.csv')
    assert summary['pairs'] == len(table) and summary['image_pairs'] == len(exams)//2 and summary['registered'] > 0

def test_sharded_runs_assemble_the_same_store(raw, whole, tmp_path, cli):
    first = cli(*prepare_args(raw, tmp_path/'b', '--workers', 1, '--shard', '0/2'))
    assert 'run the other shards' in first.stdout and not (tmp_path/'b'/'pairs.npy').exists()
    assert cli(*prepare_args(raw, tmp_path/'b', '--workers', 1, '--shard', '1/2')).returncode == 0
    assert digests(whole) == digests(tmp_path/'b')

def test_killed_run_resumes_to_identical_store(raw, whole, tmp_path, cli):
    "A run with one worker, killed after three image pairs and run again, gives the bytes of the two-worker run."
    proc = subprocess.Popen(installed(*prepare_args(raw, tmp_path/'killed', '--workers', 1)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = tmp_path/'killed'/'parts'
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob('*.npz'))) < 3: time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(parts.glob('*.npz')))
    assert 3 <= done < 16 and not (tmp_path/'killed'/'pairs.npy').exists(), done
    rerun = cli(*prepare_args(raw, tmp_path/'killed', '--workers', 1))
    assert rerun.returncode == 0, rerun.stderr
    assert digests(tmp_path/'killed') == digests(whole)

def children(pid:int) -> set[int]:
    "The child processes of `pid` now (Linux's /proc)."
    try: return {int(c) for c in Path(f'/proc/{pid}/task/{pid}/children').read_text().split()}
    except FileNotFoundError: return set()

def test_sigterm_ends_prepare_and_every_worker_and_the_rerun_equals_a_clean_run(raw, whole, tmp_path, cli):
    ("`kill` (SIGTERM) on a prepare with two workers, after its first image pair: one line, status 143, no worker "
     "left alive (re-parented, holding the output open), no temporary file; run again, the bytes of a clean run.")
    out = tmp_path/'stopped'
    proc = subprocess.Popen(installed(*prepare_args(raw, out, '--workers', 2)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    workers = set()
    while proc.poll() is None and not list((out/'parts').glob('*.npz')):
        workers |= children(proc.pid)
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)   # returns: no worker holds the pipes open
    assert proc.returncode == 143, err[-2000:]
    assert err.strip().splitlines()[-1] == ('siamese-mammo prepare: stopped by SIGTERM; what finished is kept: the '
                                            'same command goes on from there')
    assert len(workers) >= 2 and not [w for w in workers if Path(f'/proc/{w}').exists()], workers
    assert not list(out.rglob('*.tmp')) and len(list((out/'parts').glob('*.npz'))) < 16
    rerun = cli(*prepare_args(raw, out, '--workers', 2))
    assert rerun.returncode == 0, rerun.stderr
    assert digests(out) == digests(whole)

def test_prepare_missing_raw_is_one_line(tmp_path, cli):
    p = cli(*prepare_args(tmp_path/'nothing', tmp_path/'o'))
    assert p.returncode == 2 and p.stderr.strip().count('\n') == 0
    assert 'no synthetic bilateral mammograms at' in p.stderr
