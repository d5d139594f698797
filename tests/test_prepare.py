"siamese-mammo prepare as installed: its stores, and a run killed midway that ends identical to an uninterrupted one."
import hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest

STORE_FILES = ['pairs.npy', 'pairs.csv', 'labelled.npy', 'labelled.csv', 'exams.csv']

@pytest.fixture(scope='module')
def raw(tmp_path_factory):
    "A small synthetic set at half the paper's size (8 women, 16 image pairs)."
    out = tmp_path_factory.mktemp('raw')/'synth'
    subprocess.run([sys.executable, '-m', 'siamese_mammo.cli', 'synth', '--out', out, '--patients', '8', '--seed', '21',
                    '--size', '576x448', '--workers', '2'], check=True, capture_output=True)
    return out

def prepare_cmd(raw, out, *extra):
    return [sys.executable, '-m', 'siamese_mammo.cli', 'prepare', '--dataset', 'synth', '--raw', str(raw),
            '--out', str(out), '--patch', '64', '--size', '576x448', *map(str, extra)]

def digests(out): return {f: hashlib.sha1((Path(out)/f).read_bytes()).hexdigest() for f in STORE_FILES}

def test_prepare_writes_stores(raw, tmp_path):
    p = subprocess.run(prepare_cmd(raw, tmp_path/'s', '--workers', 2), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    pairs = np.load(tmp_path/'s'/'pairs.npy', mmap_mode='r')
    table = pd.read_csv(tmp_path/'s'/'pairs.csv')
    assert isinstance(pairs, np.memmap) and pairs.dtype == np.uint16 and pairs.shape == (len(table), 2, 64, 64)
    assert list(table.columns[:11]) == ['patient_id', 'study_id', 'view', 'row', 'col', 'x1', 'y1', 'x2', 'y2', 'A',
                                        'abnormal_side']
    assert table.groupby('patient_id').split.nunique().max() == 1
    summary = json.loads((tmp_path/'s'/'summary.json').read_text())
    exams = pd.read_csv(tmp_path/'s'/'exams.csv')
    assert summary['pairs'] == len(table) and summary['image_pairs'] == len(exams)//2 and summary['registered'] > 0

def test_sharded_runs_assemble_the_same_store(raw, tmp_path):
    whole = subprocess.run(prepare_cmd(raw, tmp_path/'a', '--workers', 2), capture_output=True, text=True)
    first = subprocess.run(prepare_cmd(raw, tmp_path/'b', '--workers', 1, '--shard', '0/2'), capture_output=True,
                           text=True)
    assert 'run the other shards' in first.stdout and not (tmp_path/'b'/'pairs.npy').exists()
    subprocess.run(prepare_cmd(raw, tmp_path/'b', '--workers', 1, '--shard', '1/2'), check=True, capture_output=True)
    assert whole.returncode == 0 and digests(tmp_path/'a') == digests(tmp_path/'b')

def test_killed_run_resumes_to_identical_store(raw, tmp_path):
    subprocess.run(prepare_cmd(raw, tmp_path/'whole', '--workers', 1), check=True, capture_output=True)
    proc = subprocess.Popen(prepare_cmd(raw, tmp_path/'killed', '--workers', 1), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    parts = tmp_path/'killed'/'parts'
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob('*.npz'))) < 3: time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    done = len(list(parts.glob('*.npz')))
    assert 3 <= done < 16 and not (tmp_path/'killed'/'pairs.npy').exists(), done
    rerun = subprocess.run(prepare_cmd(raw, tmp_path/'killed', '--workers', 1), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert digests(tmp_path/'killed') == digests(tmp_path/'whole')

def test_prepare_missing_raw_is_one_line(tmp_path):
    p = subprocess.run(prepare_cmd(tmp_path/'nothing', tmp_path/'o'), capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.strip().count('\n') == 0
    assert 'no synthetic bilateral mammograms at' in p.stderr
