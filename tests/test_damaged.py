("Damaged and unusual inputs: each ends in a recorded skip naming its reason, or in one line naming the option or "
 "file, never a traceback.")
import shutil, subprocess
from pathlib import Path
import numpy as np, pandas as pd, pydicom, pytest
from conftest import installed
from hypothesis import HealthCheck, example, given, settings, strategies as st
from siamese_mammo.datasets import VINDR_TABLE, read_vindr
from siamese_mammo.synth import synth_dataset
from siamese_mammo.tiling import prepare
from siamese_mammo.validation import UserError

SIZE, PATCH = '128x96', 32

@pytest.fixture(scope='module')
def clean(tmp_path_factory):
    "A small synthetic set in the VinDr layout (10 women at 256x192, some with lesions, every split)."
    out = tmp_path_factory.mktemp('clean')/'synth'
    synth_dataset(out, 10, 34, size=(256, 192), workers=2)
    return out

def copy(clean, tmp_path) -> Path:
    "A private copy of the clean set to damage."
    return Path(shutil.copytree(clean, tmp_path/'raw'/'synth'))

def table(raw) -> pd.DataFrame: return pd.read_csv(raw/VINDR_TABLE, dtype=str, keep_default_na=False)
def write(raw, t:pd.DataFrame): t.to_csv(raw/VINDR_TABLE, index=False)

def with_box(raw) -> int:
    "The table line of a finding with a box."
    return int(np.flatnonzero(table(raw).xmin.str.strip() != '')[0])

def skips_of(raw) -> list[tuple]:
    "The (item, reason, detail) records of reading the set."
    return list(read_vindr(raw, size=(128, 96))[1])

def edit_cell(raw, line:int, column:str, value:str) -> str:
    "Set one cell of the table; return the image id of its row."
    t = table(raw)
    t.loc[line, column] = value
    write(raw, t)
    return t.image_id[line]

def one_skip(raw, image_id:str) -> tuple:
    "The one record about an image."
    found = [s for s in skips_of(raw) if s[0] == image_id]
    assert len(found) == 1, found
    return found[0]

def set_header(raw, image_id:str, **tags):
    "Rewrite header elements of one image's DICOM."
    path = next((raw/'images').rglob(f'{image_id}.dicom'))
    ds = pydicom.dcmread(path)
    for k, v in tags.items(): setattr(ds, k, v)
    ds.save_as(path)

# --- the silent cases: each is now a recorded skip or a recorded drop

def test_laterality_disagreeing_with_dicom_is_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    img = table(raw).image_id[0]
    side = table(raw).laterality[0]
    set_header(raw, img, ImageLaterality='L' if side == 'R' else 'R')
    assert one_skip(raw, img)[1:] == ('laterality disagrees with the DICOM',
                                      f"table {side}, DICOM header {'L' if side == 'R' else 'R'}")

def test_view_and_size_disagreeing_with_dicom_are_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    t = table(raw)
    set_header(raw, t.image_id[0], ViewPosition='MLO' if t.view_position[0] == 'CC' else 'CC')
    assert one_skip(raw, t.image_id[0])[1] == 'view disagrees with the DICOM'
    img = edit_cell(raw, 2, 'height', '300')
    assert one_skip(raw, img)[1:] == ('size disagrees with the DICOM', 'table (300, 192), DICOM header (256, 192)')

def test_exact_duplicate_row_is_dropped_with_a_record_and_the_box_not_doubled(clean, tmp_path):
    raw = copy(clean, tmp_path)
    t = table(raw)
    k = with_box(raw)
    before = read_vindr(raw, size=(128, 96))[0].set_index('image_id').boxes[t.image_id[k]]
    write(raw, pd.concat([t, t.iloc[[k]]], ignore_index=True))
    exams, skips = read_vindr(raw, size=(128, 96))
    assert exams.set_index('image_id').boxes[t.image_id[k]] == before
    assert [s for s in skips if s[0] == t.image_id[k]] == [(t.image_id[k], 'exact duplicate table row',
                                                          f'{VINDR_TABLE} line {len(t) + 2} repeats line {k + 2}; '
                                                          f'dropped, the image kept')]

@pytest.mark.parametrize('value, says', [('BI-RADS 7', "'BI-RADS 7' is not a BI-RADS category 0-6"),
                                         ('BI-RADS 4A', "'BI-RADS 4A' is not a BI-RADS category 0-6")])
def test_birads_outside_the_scale_is_skipped(clean, tmp_path, value, says):
    raw = copy(clean, tmp_path)
    img = edit_cell(raw, 0, 'breast_birads', value)
    assert one_skip(raw, img) == (img, 'invalid breast_birads', f'{VINDR_TABLE} line 2: {says}')

def test_density_outside_the_scale_is_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    img = edit_cell(raw, 0, 'breast_density', 'DENSITY E')
    assert one_skip(raw, img)[1] == 'invalid breast_density'

def test_path_outside_the_dataset_is_never_read(clean, tmp_path):
    raw = copy(clean, tmp_path)
    t = table(raw)
    outside = tmp_path/'outside'
    outside.mkdir()
    shutil.copy(next((raw/'images').rglob('*.dicom')), outside/'x.dicom')
    t.loc[0, 'image_id'] = '../../../outside/x'
    write(raw, t)
    assert one_skip(raw, '../../../outside/x')[1:] == ('invalid image_id',
                                                       f'{VINDR_TABLE} line 2: must be a plain name, not empty and '
                                                       f'not a path')

@pytest.mark.parametrize('column, value, says',
                         [('xmin', 'nan', "'nan' is not a finite number"), ('ymin', 'abc', "'abc' is not a number"),
                                                 ('xmax', '0', 'box: xmax > xmin and ymax > ymin needed'),
                                                 ('ymax', '', 'box: some of xmin')])
def test_bad_box_coordinates_are_skipped_naming_the_field(clean, tmp_path, column, value, says):
    raw = copy(clean, tmp_path)
    k = with_box(raw)
    img = edit_cell(raw, k, column, value)
    item, reason, detail = one_skip(raw, img)
    assert reason == f"invalid {column if column in ('xmin', 'ymin') else 'box'}"
    assert detail.startswith(f'{VINDR_TABLE} line {k + 2}: {says}')

def test_a_header_without_its_size_is_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    img = table(raw).image_id[0]
    path = next((raw/'images').rglob(f'{img}.dicom'))
    ds = pydicom.dcmread(path)
    del ds.Rows
    ds.save_as(path)
    assert one_skip(raw, img)[1] == 'DICOM header without a valid Rows'

def test_a_colour_dicom_is_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    img = table(raw).image_id[0]
    set_header(raw, img, PhotometricInterpretation='RGB', SamplesPerPixel=3)
    assert one_skip(raw, img)[1] == 'not a greyscale DICOM (PhotometricInterpretation RGB, SamplesPerPixel 3)'

def test_a_table_saved_with_a_byte_order_mark_reads_the_same(clean, tmp_path):
    raw = copy(clean, tmp_path)
    before = read_vindr(raw, size=(128, 96))[0]
    (raw/VINDR_TABLE).write_bytes(b'\xef\xbb\xbf' + (raw/VINDR_TABLE).read_bytes())
    pd.testing.assert_frame_equal(read_vindr(raw, size=(128, 96))[0], before)

def test_categories_that_are_not_a_list_are_skipped(clean, tmp_path):
    raw = copy(clean, tmp_path)
    img = edit_cell(raw, 0, 'finding_categories', 'Mass')
    assert one_skip(raw, img)[1] == 'invalid finding_categories'

def test_a_byte_that_is_not_utf8_fails_its_row_only(clean, tmp_path):
    raw = copy(clean, tmp_path)
    t = table(raw)
    img = t.image_id[0]
    data = (raw/VINDR_TABLE).read_bytes().replace(t.study_id[0].encode() + b',',
                                                  t.study_id[0].encode()[:-1] + b'\xff,', 1)
    (raw/VINDR_TABLE).write_bytes(data)
    exams, skips = read_vindr(raw, size=(128, 96))
    assert [s for s in skips if s[0] == img] == [(img, 'invalid study_id', f'{VINDR_TABLE} line 2: not UTF-8 text')]
    assert len(exams) > 0

def one_line(p) -> str:
    "The one line a failed command printed (asserting that it failed with status 2 and printed one line)."
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and 'Traceback' not in p.stderr, p.stderr
    return p.stderr.strip()

def test_a_table_with_only_its_header_is_one_line(clean, tmp_path, cli):
    raw = copy(clean, tmp_path)
    write(raw, table(raw).iloc[:0])
    line = one_line(cli('prepare', '--dataset', 'synth', '--raw', raw, '--out', tmp_path/'o', '--size', SIZE,
                            '--patch', PATCH))
    assert line.endswith(f'{raw/VINDR_TABLE}: the table has a header but no rows')

def test_no_usable_pair_is_one_line_with_every_reason_recorded(clean, tmp_path, cli):
    raw = copy(clean, tmp_path)
    write(raw, table(raw).assign(breast_birads='BI-RADS 9'))
    line = one_line(cli('prepare', '--dataset', 'synth', '--raw', raw, '--out', tmp_path/'o', '--size', SIZE,
                            '--patch', PATCH))
    assert 'no usable bilateral image pair' in line and 'invalid breast_birads' in line
    # each bad row recorded, every image named
    assert set(pd.read_csv(tmp_path/'o'/'skipped.csv').item) == set(table(raw).image_id)

@pytest.mark.parametrize('args, says', [
    (['prepare', '--patch', 100000], 'option patch: must be at most the smaller side of size 128x96, got 100000'),
    (['prepare', '--workers', -1], 'option workers: input should be greater than or equal to 1, got -1'),
    (['prepare', '--size', '0x0'], 'option size: input should be greater than or equal to 32, got (0, 0)'),
    (['prepare', '--seed', -3], 'option seed: input should be greater than or equal to 0, got -3'),
    (['prepare', '--workers', 'two'], "argument --workers: invalid int value: 'two'"),
    (['pretrain', '--lr', 0], 'option lr: input should be greater than 0, got 0.0'),
    (['pretrain', '--lr', -1], 'option lr: input should be greater than 0, got -1.0'),
    (['pretrain', '--epochs', 0], 'option epochs: input should be greater than or equal to 1, got 0'),
    (['synth', '--out', 'x', '--patients', 0], 'option patients: input should be greater than or equal to 1, got 0'),
    (['sweep', '--dataset', 'synth32', '--batch-sizes', '64,1.5'],
     "option batch_sizes: whole numbers needed, got '64,1.5'"),
    (['sweep', '--dataset', 'synth32', '--lrs', '1e-3,abc'],
     "option lrs: comma-separated positive numbers needed, e.g. 1e-3,1e-4, got '1e-3,abc'"),
])
def test_options_out_of_range_are_one_line_and_leave_nothing(clean, tmp_path, cli, args, says):
    stage, *rest = args
    where = ['--dataset', 'synth', '--raw', clean, '--out', tmp_path/'o', '--size',
             SIZE] if stage == 'prepare' and '--size' not in rest else \
            ['--dataset', 'synth', '--raw', clean, '--out', tmp_path/'o'] if stage == 'prepare' else []
    assert says in one_line(cli(stage, *where, *rest))
    assert not (tmp_path/'o').exists() and not list(tmp_path.rglob('*.tmp'))

def test_an_output_folder_that_is_a_file_is_one_line(clean, tmp_path, cli):
    (tmp_path/'o').write_text('not a folder')
    line = one_line(cli('prepare', '--dataset', 'synth', '--raw', clean, '--out', tmp_path/'o', '--size', SIZE,
                            '--patch', PATCH))
    assert 'File exists' in line or 'Not a directory' in line

def test_a_repeated_mias_line_is_dropped_with_a_record(tmp_path):
    from siamese_mammo.datasets import mias_sample, read_mias
    shutil.copytree(mias_sample(), tmp_path/'mias')
    info = tmp_path/'mias'/'Info.txt'
    line = next(l for l in info.read_text().splitlines() if l.startswith('mdb001'))
    info.write_text(info.read_text() + line + '\n')
    exams, skips = read_mias(tmp_path/'mias', size=(128, 96))
    assert len(exams.set_index('image_id').boxes['mdb001']) == 1
    assert [s[:2] for s in skips if s[0] == 'mdb001'] == [('mdb001', 'exact duplicate table row')]

def test_an_option_error_is_one_line_from_the_installed_command(tmp_path):
    p = subprocess.run(installed('pretrain', '--lr', 0), capture_output=True, text=True)
    assert 'option lr: input should be greater than 0, got 0.0' in one_line(p)

# --- damaged run files, splits and skipped pairs, on one prepared data root

@pytest.fixture(scope='module')
def prepared(clean, tmp_path_factory):
    "A data root holding the clean set, prepared."
    root = tmp_path_factory.mktemp('root')
    shutil.copytree(clean, root/'raw'/'synth')
    prepare('synth', PATCH, size=(128, 96), data_dir=str(root), workers=2)
    return root

def test_a_store_cut_short_is_one_line_and_prepare_rebuilds_it(prepared, tmp_path, cli):
    root = Path(shutil.copytree(prepared, tmp_path/'root'))
    store = root/'processed'/f'synth{PATCH}'
    whole = (store/'pairs.npy').read_bytes()
    (store/'pairs.npy').write_bytes(whole[:3000])
    line = one_line(cli('pretrain', '--dataset', f'synth{PATCH}', '--data-dir', root, '--run-dir', tmp_path/'run',
                            '--epochs', 1, '--device', 'cpu'))
    assert f'{store/"pairs.npy"} is damaged or unreadable (ValueError): rerun siamese-mammo prepare' in line
    p = cli('prepare', '--dataset', 'synth', '--data-dir', root, '--size', SIZE, '--patch', PATCH, '--workers', 1)
    assert p.returncode == 0 and 'rebuilding the stores from the parts' in p.stdout
    assert (store/'pairs.npy').read_bytes() == whole

def test_a_damaged_checkpoint_is_one_line_without_unsafe_advice(prepared, tmp_path, cli):
    run = tmp_path/'run'
    args = ['pretrain', '--dataset', f'synth{PATCH}', '--data-dir', prepared, '--run-dir', run, '--epochs', 1,
            '--batch-size', 16, '--device', 'cpu']
    assert cli(*args).returncode == 0
    (run/'checkpoint.pt').write_bytes((run/'checkpoint.pt').read_bytes()[:1000])
    line = one_line(cli(*args, '--resume'))
    assert f'{run/"checkpoint.pt"} is damaged or unreadable' in line
    assert 'remove it to start the run afresh' in line and 'weights_only' not in line

def test_splits_do_not_depend_on_the_salt(prepared, tmp_path, cli):
    store = lambda salt: (cli('prepare', '--dataset', 'synth', '--raw', prepared/'raw'/'synth', '--out',
                                  tmp_path/salt, '--size', SIZE,
                                  '--patch', PATCH, '--workers', 1, env={'SIAMESE_MAMMO_SALT': salt}),
                                  pd.read_csv(tmp_path/salt/'pairs.csv'))[1]
    a, b = store('salt-one'), store('salt-two')
    assert set(a.patient_id).isdisjoint(b.patient_id)    # the pseudonyms are salted ...
    assert a.split.tolist() == b.split.tolist()          # ... the splits are not

def test_an_excluded_pair_is_named_in_skipped_csv(clean, tmp_path):
    raw = copy(clean, tmp_path)
    t = table(raw)
    # a normal image
    img = t.image_id[(t.breast_birads == 'BI-RADS 1') & (t.groupby('image_id').image_id.transform('size') == 1)].iloc[0]
    path = next((raw/'images').rglob(f'{img}.dicom'))
    ds = pydicom.dcmread(path)
    ds.Rows = ds.Columns = 1
    ds.PixelData = b'\0\0'
    ds.save_as(path)
    write(raw,
          t.assign(height=np.where(t.image_id == img, '1', t.height), width=np.where(t.image_id == img, '1', t.width)))
    summary = prepare('synth', PATCH, raw=str(raw), out=str(tmp_path/'o'), size=(128, 96), workers=1)
    skipped = pd.read_csv(tmp_path/'o'/'skipped.csv')
    row = skipped[skipped.item.str.contains(img)]
    assert len(row) == 1 and row.detail.iloc[0].startswith('image pair ')
    assert (row.item.iloc[0], row.reason.iloc[0]) in {(e['item'], e['reason']) for e in summary['excluded_pairs']}
    assert summary['registered'] + len(summary['excluded_pairs']) == summary['image_pairs']
    print(row.to_dict('records'))

# --- the property: whatever is damaged, reading never lets a traceback through,
# and never drops an image without a record

VALUES = st.one_of(st.sampled_from(['', 'nan', 'NaN', 'inf', '-1', '0', '1e9', 'abc', 'BI-RADS 4A', 'BI-RADS 9',
                                    'DENSITY Z', '../x', '[1, 2]',
                                    "['Mass'", 'R', 'L', 'CC', 'XX', '256', '192', '3.5']), st.text(max_size=12))
COLUMNS = ['study_id', 'image_id', 'laterality', 'view_position', 'height', 'width', 'breast_birads', 'breast_density',
           'finding_categories',
           'finding_birads', 'xmin', 'ymin', 'xmax', 'ymax', 'split']
TAGS = st.sampled_from([('ImageLaterality', 'L'), ('ImageLaterality', 'R'), ('ImageLaterality', 'B'),
                        ('ViewPosition', 'CC'), ('ViewPosition', 'XX'),
                        ('Rows', 1), ('Columns', 7), ('PatientID', 'someone-else')])
DAMAGE = st.one_of(st.tuples(st.just('cell'), st.integers(0, 99), st.sampled_from(COLUMNS), VALUES),
                   st.tuples(st.just('repeat'), st.integers(0, 99)),
                   st.tuples(st.just('header'), st.integers(0, 99), TAGS),
                   st.tuples(st.just('drop tag'), st.integers(0, 99),
                             st.sampled_from(['Rows', 'Columns', 'BitsAllocated', 'ImageLaterality', 'ViewPosition'])),
                   st.tuples(st.just('truncate'), st.integers(0, 99), st.floats(0, 0.99)),
                   st.tuples(st.just('delete'), st.integers(0, 99)))

def damage(raw:Path, what:tuple):
    "Apply one damage to a copy of the set."
    t, kind = table(raw), what[0]
    files = sorted((raw/'images').rglob('*.dicom'))
    if kind == 'cell':
        t.loc[what[1] % len(t), what[2]] = what[3]
        write(raw, t)
    elif kind == 'repeat': write(raw, pd.concat([t, t.iloc[[what[1] % len(t)]]], ignore_index=True))
    elif kind in ('header', 'drop tag'):
        try: ds = pydicom.dcmread(files[what[1] % len(files)])
        except Exception: return   # an earlier damage left no header to edit
        if kind == 'header': setattr(ds, *what[2])
        elif what[2] in ds: delattr(ds, what[2])
        ds.save_as(files[what[1] % len(files)])
    elif kind == 'truncate':
        f = files[what[1] % len(files)]
        f.write_bytes(f.read_bytes()[:int(f.stat().st_size*what[2])])
    else: files[what[1] % len(files)].unlink()

def accounted(raw:Path, exams:pd.DataFrame, skipped:pd.DataFrame) -> set:
    "The image ids of the table that are neither used nor named in a skip record."
    return unaccounted({i.strip() for i in table(raw).image_id if i.strip()}, exams, skipped.itertuples(index=False))

# the same examples on every run: CI is reproducible
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(DAMAGE, min_size=1, max_size=3))
def test_reading_a_damaged_set_records_every_image(clean, tmp_path_factory, damages):
    raw = Path(shutil.copytree(clean, tmp_path_factory.mktemp('h')/'synth'))
    for d in damages: damage(raw, d)
    try: exams, skips = read_vindr(raw, size=(128, 96))
    except UserError: return
    assert not accounted(raw, exams, skips.frame())

# the generated lists start simple (a changed cell that reads as valid); the examples make sure that prepare meets a
# truncated image, a deleted one, a header that names the other side, an unreadable size and a repeated row every run
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(DAMAGE, min_size=1, max_size=2))
@example([('truncate', 3, 0.5)])
@example([('delete', 5), ('header', 2, ('ImageLaterality', 'B'))])
@example([('cell', 1, 'height', 'x'), ('repeat', 4)])
def test_prepare_on_a_damaged_set_records_every_image_and_pair(clean, tmp_path_factory, damages):
    base = tmp_path_factory.mktemp('p')
    raw = Path(shutil.copytree(clean, base/'synth'))
    for d in damages: damage(raw, d)
    try: summary = prepare('synth', PATCH, raw=str(raw), out=str(base/'o'), size=(128, 96), workers=1)
    except UserError: return
    exams, skipped = pd.read_csv(base/'o'/'exams.csv', dtype=str), pd.read_csv(base/'o'/'skipped.csv', dtype=str,
                                                                               keep_default_na=False)
    assert not accounted(raw, exams, skipped)
    assert summary['registered'] + len(summary['excluded_pairs']) == summary['image_pairs'] == len(exams)//2

# --- mini-MIAS and OMI-DB, damaged as a new user's copy might be: every image is used or named in a record

MIAS_WOMEN = ['mdb001', 'mdb002', 'mdb003', 'mdb004', 'mdb005', 'mdb006']   # three women of the sample

@pytest.fixture(scope='module')
def mias_clean(tmp_path_factory):
    "Three women of the mini-MIAS sample, their PGMs and the whole Info.txt (the other images: missing files)."
    from siamese_mammo.datasets import mias_sample
    raw = tmp_path_factory.mktemp('mias')/'mias'
    raw.mkdir()
    shutil.copy(mias_sample()/'Info.txt', raw)
    for ref in MIAS_WOMEN: shutil.copy(mias_sample()/f'{ref}.pgm', raw)
    return raw

HEADERS = [b'P5\n1024 1024\n127\n', b'P5\n1024 512\n255\n', b'P5\n512 512\n255\n', b'P2\n1024 1024\n255\n', b'PX\n']
MIAS_DAMAGE = st.one_of(
    st.tuples(st.just('field'), st.integers(0, 400), st.integers(1, 6),
              st.sampled_from(['D', 'F', 'X', 'B', 'M', 'NORM', 'CALC', '-5', '2000', 'nan', '*NOTE*'])),
    st.tuples(st.just('repeat'), st.integers(0, 400), st.sampled_from(['as is', 'tissue', 'severity'])),
    st.tuples(st.just('header'), st.integers(0, 5), st.sampled_from(HEADERS)),
    st.tuples(st.just('truncate'), st.integers(0, 5), st.floats(0, 0.99)),
    st.tuples(st.just('delete'), st.integers(0, 5)))

def damage_mias(raw:Path, what:tuple):
    "Apply one damage to a copy of the mini-MIAS folder: a field of a line, a repeated line, a PGM's header or bytes."
    lines = (raw/'Info.txt').read_text().splitlines()
    table = [k for k, l in enumerate(lines) if l.startswith('mdb')]
    kind, k = what[0], what[1]
    pgm = raw/f'{MIAS_WOMEN[k % len(MIAS_WOMEN)]}.pgm'
    if kind in ('field', 'repeat'):
        n = table[k % len(table)]
        words = lines[n].split()
        if kind == 'field' and what[2] < len(words): words[what[2]] = what[3]
        swap = {'tissue': {'F': 'G', 'G': 'D', 'D': 'F'}, 'severity': {'B': 'M', 'M': 'B'}}.get(what[2], {})
        if kind == 'repeat': words = [swap.get(w, w) if i in (1, 3) else w for i, w in enumerate(words)]
        lines = lines + [' '.join(words)] if kind == 'repeat' else lines[:n] + [' '.join(words)] + lines[n + 1:]
        (raw/'Info.txt').write_text('\n'.join(lines) + '\n')
    elif not pgm.exists(): return
    elif kind == 'header': pgm.write_bytes(what[2] + pgm.read_bytes()[17:])
    elif kind == 'truncate': pgm.write_bytes(pgm.read_bytes()[:int(pgm.stat().st_size*what[2])])
    else: pgm.unlink()

def unaccounted(ids:set, exams:pd.DataFrame, skips) -> set:
    "The ids that are neither in the exam table nor named in a skip record (records as (item, reason, detail))."
    named = {part.strip() for item, *_ in skips for part in str(item).split(' + ')}
    return ids - set(exams.image_id) - named

@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(MIAS_DAMAGE, min_size=1, max_size=3))
@example([('repeat', 0, 'tissue'), ('header', 2, HEADERS[0])])
@example([('repeat', 4, 'severity'), ('field', 2, 1, 'X'), ('header', 3, HEADERS[1])])
@example([('delete', 1), ('truncate', 4, 0.5), ('header', 5, HEADERS[2])])
def test_reading_a_damaged_mias_folder_records_every_image(mias_clean, tmp_path_factory, damages):
    from siamese_mammo.datasets import read_mias
    raw = Path(shutil.copytree(mias_clean, tmp_path_factory.mktemp('m')/'mias'))
    for d in damages: damage_mias(raw, d)
    exams, skips = read_mias(raw, size=(128, 96))
    listed = {l.split()[0] for l in (raw/'Info.txt').read_text().splitlines() if l.startswith('mdb')}
    assert not unaccounted(listed | {p.stem for p in raw.glob('*.pgm')}, exams, skips)

@pytest.fixture(scope='module')
def omidb_clean(tmp_path_factory):
    "A small synthetic set in the OMI-DB layout (4 women: clients, IMAGEDB marks, per-image JSON, DICOMs)."
    return synth_dataset(tmp_path_factory.mktemp('omidb')/'om', 4, 11, format='optimam', size=(256, 192), workers=1)

def imagedb_marks(data:dict):
    "Every mark of an IMAGEDB JSON: (the image's marks dict, the mark's key)."
    return [(marks, key) for study in data.get('STUDIES', {}).values() if isinstance(study, dict)
            for series in study.values() if isinstance(series, dict)
            for marks in series.values() if isinstance(marks, dict) for key in marks]

OMIDB_DAMAGE = st.one_of(
    st.tuples(st.just('mark'), st.integers(0, 99), st.sampled_from(['X1', 'Y2', 'MarkID']),
              st.sampled_from([float('nan'), 'x', None, -3, 1e9])),
    st.tuples(st.just('drop mark field'), st.integers(0, 99), st.sampled_from(['X1', 'MarkID'])),
    st.tuples(st.just('garble'), st.integers(0, 9), st.sampled_from(['nbss', 'imagedb'])),
    st.tuples(st.just('image json'), st.integers(0, 99), st.sampled_from(['delete', 'garble'])),
    st.tuples(st.just('delete dicom'), st.integers(0, 99)))

def readable(path:Path) -> dict:
    "A JSON file's object, or {} when an earlier damage left it unreadable."
    import json
    try: return json.loads(path.read_text())
    except ValueError: return {}

def damage_omidb(raw:Path, what:tuple):
    "Apply one damage to a copy of the OMI-DB layout: a mark, a client table, a per-image JSON or a DICOM."
    import json
    kind, k = what[0], what[1]
    clients = sorted((raw/'data').iterdir())
    if kind in ('mark', 'drop mark field'):
        marked = [(p, data, m) for p in sorted((raw/'data').glob('*/imagedb_*.json'))
                  for data in [readable(p)] for m in imagedb_marks(data)]
        if not marked: return
        path, data, (marks, key) = marked[k % len(marked)]
        if kind == 'mark': marks[key][what[2]] = what[3]
        else: marks[key].pop(what[2], None)
        path.write_text(json.dumps(data))
    elif kind == 'garble':
        client = clients[k % len(clients)]
        (client/f'{what[2]}_{client.name}.json').write_text('{not json')
    elif kind == 'image json':
        files = sorted((raw/'data').glob('*/*/*.json'))
        if files and what[2] == 'delete': files[k % len(files)].unlink()
        elif files: files[k % len(files)].write_text('{')
    else:
        files = sorted((raw/'images').rglob('*.dcm'))
        if files: files[k % len(files)].unlink()

def whole_number(v) -> bool:
    try: return int(v) == int(v)
    except (TypeError, ValueError, OverflowError): return False

def unreadable_marks(raw:Path) -> set:
    "The images of a copy with a mark whose id is missing or whose box corners are not whole numbers."
    found = set()
    for p in (raw/'data').glob('*/imagedb_*.json'):
        for study in readable(p).get('STUDIES', {}).values():
            for series in (study.values() if isinstance(study, dict) else ()):
                for image, marks in (series.items() if isinstance(series, dict) else ()):
                    if isinstance(marks, dict) and any('MarkID' not in m or not all(whole_number(m.get(k)) for k in
                                                       ('X1', 'Y1', 'X2', 'Y2')) for m in marks.values()):
                        found.add(image)
    return found

def omidb_ids(raw:Path) -> set:
    "Every image a copy mentions: its DICOMs, its per-image JSON and the images its readable IMAGEDB tables list."
    ids = {p.stem for p in (raw/'images').rglob('*.dcm')} | {p.stem for p in (raw/'data').glob('*/*/*.json')}
    for p in (raw/'data').glob('*/imagedb_*.json'):
        data = readable(p)
        ids |= {image for study in data.get('STUDIES', {}).values() if isinstance(study, dict)
                for series in study.values() if isinstance(series, dict) for image in series}
    return ids

@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OMIDB_DAMAGE, min_size=1, max_size=3))
@example([('mark', 0, 'X1', float('nan'))])
@example([('drop mark field', 1, 'MarkID'), ('image json', 3, 'garble'), ('delete dicom', 5)])
@example([('garble', 1, 'imagedb'), ('mark', 2, 'Y2', 'x')])
def test_reading_a_damaged_omidb_copy_records_every_image(omidb_clean, tmp_path_factory, damages):
    from siamese_mammo.datasets import read_omidb
    raw = Path(shutil.copytree(omidb_clean, tmp_path_factory.mktemp('o')/'om'))
    for d in damages: damage_omidb(raw, d)
    ids = omidb_ids(raw)
    exams, skips = read_omidb(raw, size=(128, 96))
    assert not unaccounted(ids, exams, skips)
    assert not unreadable_marks(raw) & set(exams.image_id)   # never used without the box of a mark it has
