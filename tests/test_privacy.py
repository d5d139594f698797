"No fake patient name, ID or birth date from the synthetic DICOM headers reaches any output of a run."
import json
import numpy as np
import pydicom, torch
from pathlib import Path
from siamese_mammo.synth import synth_dataset
from siamese_mammo.tiling import prepare

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

def test_no_identifier_in_outputs(run, tmp_path):
    data, out = tmp_path/'data', tmp_path/'runs'/'05_pretrain.ipynb'
    out.parent.mkdir()
    synth_dataset(data/'raw'/'synth', 10, 0, size=(576, 448))   # half the paper's size, prepared so, to keep it quick
    prepare('synth', 96, size=(576, 448), data_dir=str(data))
    p = run('papermill', 'nbs/05_pretrain.ipynb', out, '-p', 'data_dir', data, '-p', 'run_dir',
            tmp_path/'runs'/'siamese')
    assert p.returncode == 0, p.stderr[-2000:]
    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in sorted((data/'raw'/'synth').rglob('*.dicom'))]
    secrets = {v for h in headers for v in (str(h.PatientID), str(h.PatientBirthDate), *str(h.PatientName).split('^'))}
    assert len(headers) == 40 and len({str(h.PatientID) for h in headers}) == 10
    outputs = [f for f in tmp_path.rglob('*') if f.is_file() and 'raw' not in f.relative_to(tmp_path).parts]
    assert out in outputs and any(f.name == 'exams.csv' for f in outputs)
    assert any(f.name == 'pairs.npy' for f in outputs) and any(f.suffix == '.npz' for f in outputs)
    assert {'metrics.json', 'metrics.csv', 'checkpoint.pt', 'encoder1.pt'} <= {f.name for f in outputs}
    for f in outputs:
        leaked = [s for s in secrets for text in texts(f) if s in text]
        assert not leaked, f'{f}: {leaked}'
