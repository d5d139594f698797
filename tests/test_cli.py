"The siamese-mammo command: its stages as installed, its one-line errors, and synth."
import pandas as pd

def test_help_lists_every_stage(run):
    p = run('siamese-mammo', '--help', check=True)
    for stage in ['synth', 'prepare', 'pretrain', 'evaluate', 'paper']: assert stage in p.stdout

def test_missing_dataset_is_one_line(cli, tmp_path):
    p = cli('pretrain', '--dataset', 'optimam96', '--data-dir', tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]
    assert 'optimam96: OPTIMAM (OMI-DB) not found at' in p.stderr and 'OMI-DB team' in p.stderr

def test_unknown_method_is_one_line(cli):
    p = cli('pretrain', '--method', 'mae')
    assert p.returncode == 2
    assert "option method: input should be 'siamese', 'simclr', 'byol' or 'triplet', got 'mae'" in p.stderr
    assert 'Traceback' not in p.stderr

def test_synth_writes_vindr_layout(run, tmp_path):
    p = run('siamese-mammo', 'synth', '--out', tmp_path/'s', '--patients', 2, '--seed', 3, '--size', '384x288',
            '--workers', 1)
    assert p.returncode == 0, p.stderr
    ann = pd.read_csv(tmp_path/'s'/'finding_annotations.csv')
    assert set(ann.height) == {384} and set(ann.width) == {288}
    assert len(list((tmp_path/'s'/'images').rglob('*.dicom'))) == 8

def test_module_entry_point(run):
    "python -m siamese_mammo.cli (what torchrun -m calls) is the same command."
    p = run('python', '-m', 'siamese_mammo.cli', '--help', check=True)
    assert 'pretrain' in p.stdout

def test_synth_writes_omidb_layout_read_by_omidb_adapter(run, tmp_path):
    p = run('siamese-mammo', 'synth', '--out', tmp_path/'o', '--patients', 2, '--seed', 3, '--size', '384x288',
            '--workers', 1, '--format', 'optimam')
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in (tmp_path/'o'/'data').glob('*/*.json')) == ['imagedb_optm1.json',
                                                                              'imagedb_optm2.json', 'nbss_optm1.json',
                                                                              'nbss_optm2.json']
    assert len(list((tmp_path/'o'/'images').rglob('*.dcm'))) == 8
    from siamese_mammo.datasets import read_omidb
    exams, skips = read_omidb(tmp_path/'o')
    assert len(exams) + len(skips) == 8 and set(exams.height) == {384}

def test_unknown_synth_format_is_one_line(run, tmp_path):
    p = run('siamese-mammo', 'synth', '--out', tmp_path/'x', '--patients', 1, '--format', 'cbis')
    assert p.returncode == 2 and "unknown synthetic format 'cbis'" in p.stderr and 'Traceback' not in p.stderr
