"papermill really injects parameters into nbs/05_pretrain.ipynb, and a missing dataset ends it in one clear line."

def test_injected_dataset_is_used(run, tmp_path):
    ("-p dataset vindr96 reaches the notebook: the run ends with the missing-dataset line naming vindr96 and "
     "VinDr-Mammo.")
    p = run('papermill', 'nbs/05_pretrain.ipynb', tmp_path/'out.ipynb', '-p', 'dataset', 'vindr96', '-p', 'data_dir',
            tmp_path/'data')
    assert p.returncode != 0
    last = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()][-1]
    assert last.startswith('DatasetNotFound: vindr96: VinDr-Mammo not found at'), last
    assert 'PhysioNet' in last and str(tmp_path/'data'/'raw'/'vindr') in last
    assert 'siamese_mammo/datasets.py' not in p.stdout + p.stderr   # no traceback through the library

def test_help_notebook_lists_typed_parameters(run):
    p = run('papermill', '--help-notebook', 'nbs/05_pretrain.ipynb', check=True)
    for line in ['dataset: str (default', 'batch_size: int (default', 'lr: float (default', 'dataset name '
                                                                                            '{source}{patch}']:
        assert line in p.stdout, line
