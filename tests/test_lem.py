("`siamese-mammo lem --preset smoke` on the synthetic test set: Table 6 with a new backbone and one read from a "
 "run's encoder, a missing backbone recorded, the figures, and a killed run resuming to the same weights.")
import json
import pandas as pd, pytest, torch
from siamese_mammo.lem import LEMConfig, LEM_PRESETS, backbone_trunk, train_lem, whole_images
from siamese_mammo.pretrain import save_torch
from siamese_mammo.methods import encoder

@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    "A run folder holding one encoder, as a finished pretraining run leaves it."
    folder = tmp_path_factory.mktemp('simclr')
    torch.manual_seed(7)
    save_torch(encoder().state_dict(), folder/'encoder.pt')
    return folder

@pytest.fixture(scope='module')
def table6(data, pretrained, tmp_path_factory):
    "The smoke command run once (papermill): a new backbone, one from a run, one with no run."
    from siamese_mammo.cli import main
    root = tmp_path_factory.mktemp('lem')
    args = ['lem', '--dataset', 'synth32', '--backbone', f'none,simclr={pretrained},byol', '--preset', 'smoke',
            '--size', '256x192', '--device', 'cpu', '--data-dir', data, '--runs-dir', root/'runs', '--out', root/'page']
    assert main(list(map(str, args))) == 0
    return dict(page=root/'page', runs=root/'runs'/'synth32'/'lem', args=args)

def test_labelled_images_at_the_asked_size(data):
    images = whole_images('synth32', (288, 224), str(data))
    t = images.table
    assert images.images.shape[1:] == (288, 224) and len(images.images) >= len(t) > 0
    assert set(t.label) == {0, 1} and set(t.split) == {'train', 'val', 'test'}
    assert not (set(t[t.split == 'test'].patient_id) & set(t[t.split == 'train'].patient_id))
    x = images.batch([0, 1])
    assert x.shape == (2, 1, 288, 224) and 0 <= x.min() and x.max() <= 1 and x.std() > 0.01
    boxed = [json.loads(b) for b in t[t.label == 1].boxes]
    assert any(boxed) and all(0 <= v <= 288 for bs in boxed for b in bs for v in b)

def test_backbone_is_the_runs_encoder(pretrained, tmp_path):
    trunk = backbone_trunk(f'simclr={pretrained}', tmp_path)
    saved = torch.load(pretrained/'encoder.pt', weights_only=True)
    assert all(torch.equal(v, saved[k]) for k, v in trunk.state_dict().items())

def test_table6_rows_and_figures(table6):
    page = table6['page']
    t = pd.read_csv(page/'table6_synth32.csv')
    assert 'at 256x192' in (page/'table6_synth32.md').read_text()
    assert list(t.backbone) == ['none', 'simclr']
    assert ((t.auc_lo <= t.auc + 1e-9) & (t.auc <= t.auc_hi + 1e-9)).all() and t.auc.between(0, 1).all()
    assert t.minus_none.isna().tolist() == [True, False]   # the new backbone is the reference of the differences
    assert (t.localised > 0).all() and t.dice_lem_mean.between(0, 1).all() and t.hit_gradcam_mean.between(0, 1).all()
    report = json.loads((page/'lem_report_synth32.json').read_text())
    assert list(report['missing']) == ['byol'] and 'no encoders' in report['missing']['byol']
    assert report['budget']['size'] == [256, 192] and '--size 256x192' in report['command']   # the size asked for
    assert json.loads((table6['runs']/'none'/'metrics.json').read_text())['config']['size'] == [256, 192]
    assert {'lem_maps_synth32_none', 'lem_maps_synth32_simclr', 'lem_dice_synth32'} == set(report['figures'])
    assert all((page/f'{name}.png').stat().st_size > 10_000 for name in report['figures'])
    scores = pd.read_csv(table6['runs']/'none'/'scores.csv')
    assert scores.p_lem.between(0, 1).all() and len(scores) == t.images[0]

def test_second_call_reuses_the_runs(table6):
    from siamese_mammo.cli import main
    stamps = {p: p.stat().st_mtime for p in table6['runs'].glob('*/best.pt')}
    before = (table6['page']/'table6_synth32.csv').read_text()
    assert main(list(map(str, table6['args']))) == 0
    assert {p: p.stat().st_mtime for p in stamps} == stamps and len(stamps) == 2
    assert (table6['page']/'table6_synth32.csv').read_text() == before

def test_killed_run_resumes_to_the_same_weights(data, tmp_path, monkeypatch):
    import siamese_mammo.lem as lem
    smoke = LEM_PRESETS['smoke']
    cfg = lambda runs: LEMConfig('synth32', 'none', smoke.size, 2, smoke.batch_size, device='cpu',
                                 data_dir=str(data), runs_dir=str(tmp_path/runs))
    whole = train_lem(cfg('whole')).metrics
    epoch = lem.train_epoch
    def dies_in_epoch_2(run, e, augment):
        if e == 2: raise KeyboardInterrupt
        return epoch(run, e, augment)
    monkeypatch.setattr(lem, 'train_epoch', dies_in_epoch_2)
    with pytest.raises(KeyboardInterrupt): train_lem(cfg('killed'))
    monkeypatch.setattr(lem, 'train_epoch', epoch)
    resumed = train_lem(cfg('killed')).metrics
    assert [h['loss'] for h in resumed['history']] == [h['loss'] for h in whole['history']]
    a, b = (torch.load(tmp_path/r/'synth32'/'lem'/'none'/'checkpoint.pt', weights_only=False)['net']
            for r in ('whole', 'killed'))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed['test'] == whole['test']

def test_other_options_refuse_to_resume(data, tmp_path):
    from siamese_mammo.core import OptionError
    smoke = LEM_PRESETS['smoke']
    base = dict(size=smoke.size, epochs=1, batch_size=smoke.batch_size, device='cpu', data_dir=str(data),
                runs_dir=str(tmp_path))
    train_lem(LEMConfig('synth32', 'none', **base))
    with pytest.raises(OptionError, match=r'made with tau=0.5 \(now 0.2\)'):
        train_lem(LEMConfig('synth32', 'none', tau=0.2, **base))

def test_frozen_backbone_trains_the_score_convolution_only(data, pretrained, tmp_path):
    "With `frozen`, the backbone's weights stay those of the pretraining run; only the 1x1 convolution learns."
    smoke = LEM_PRESETS['smoke']
    cfg = LEMConfig('synth32', f'simclr={pretrained}', smoke.size, 2, smoke.batch_size, lr=1e-2, frozen=True,
                    device='cpu', data_dir=str(data), runs_dir=str(tmp_path))
    metrics = train_lem(cfg).metrics
    best = torch.load(cfg.out_dir()/'best.pt', weights_only=True)
    saved = torch.load(pretrained/'encoder.pt', weights_only=True)
    trunk = {k[len('features.'):]: v for k, v in best.items() if k.startswith('features.')}
    names = [n for n, _ in encoder().named_children()][:-2]   # conv1 .. layer4, as LEMNet numbers them
    renamed = {f'{names[int(k.split(".")[0])]}.{k.split(".", 1)[1]}': v for k, v in trunk.items()}
    assert renamed.keys() <= saved.keys() and all(torch.equal(v, saved[k]) for k, v in renamed.items())
    from siamese_mammo.lem import setup_lem
    start = setup_lem(cfg).net.score.weight.detach()   # the seeded initial convolution
    assert not torch.allclose(best['score.weight'], start) and len(metrics['history']) == 2

def test_images_that_cannot_be_read_are_one_clear_error(data, tmp_path):
    "Every image unreadable (here: the wrong raw folder): each recorded as a skip, one line saying so, nothing cached."
    from siamese_mammo.core import DatasetError
    with pytest.raises(DatasetError, match=r'none of its \d+ labelled images could be read from'):
        whole_images('synth32', (64, 48), str(data), raw=str(tmp_path))
    out = data/'processed'/'synth32'/'whole_64x48'
    skipped = pd.read_csv(out/'skipped.csv')
    assert len(skipped) > 0 and (skipped.reason == 'unreadable image').all() and not (out/'images.csv').exists()

def test_mini_mias_through_raw(tmp_path):
    ("`lem --raw` on the 40-image mini-MIAS sample: prepared as the reproduction prepares it, the images read from the "
     "raw folder, the run kept in the reproduction's runs folder, Table 6 named after the folder.")
    from siamese_mammo.cli import main
    from siamese_mammo.datasets import mias_sample
    args = ['lem', '--raw', mias_sample(), '--backbone', 'none', '--preset', 'smoke', '--device', 'cpu',
            '--data-dir', tmp_path/'data', '--runs-dir', tmp_path/'runs', '--out', tmp_path/'page']
    assert main(list(map(str, args))) == 0
    t = pd.read_csv(tmp_path/'page'/'table6_mini-mias-sample.csv')
    assert list(t.backbone) == ['none'] and t.images.iloc[0] > 0
    run = tmp_path/'runs'/'reproduction'/'mini-mias-sample'/'lem'/'none'
    metrics = json.loads((run/'metrics.json').read_text())
    assert metrics['config']['raw'] == str(mias_sample().resolve()) and (run/'scores.csv').exists()
    assert 'any abnormality in Info.txt' in (tmp_path/'page'/'table6_mini-mias-sample.md').read_text()
