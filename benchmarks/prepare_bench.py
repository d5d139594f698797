"""Throughput of `prepare` and of reading the patch store.

    python benchmarks/prepare_bench.py [--women 10] [--workers 2] [--out benchmarks/prepare_bench.json]

Measures, on a synthetic set at the paper's size (1152x896) with P=96:
- registration: image pairs per second with `--workers` processes;
- tiling: patch pairs per second (filtering, A, cutting) in one process, on the registered pairs;
- reading: random batches of 256 pairs from the memory-mapped store versus decoding one 16-bit PNG per patch (512 files
  a batch).
Ratios are taken within one run; the machines are shared, so absolute times vary between runs.
"""
import argparse, json, os, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np
from siamese_mammo.io import read_png16, write_png16
from siamese_mammo.datasets import read_vindr
from siamese_mammo.registration import bilateral_pairs, load_resized, register_pair
from siamese_mammo.synth import synth_dataset
from siamese_mammo.tiling import grid_cells, keep_cells, pair_records, prepare, to_patches
from siamese_mammo.store import open_store

def _register(args):
    raw, fixed, moving = args
    return register_pair(load_resized(raw, fixed), load_resized(raw, moving))

def tile(reg, fixed, moving, patch=96):
    "The tiling step of `process_pair`, on a registered pair."
    cells = grid_cells(reg.fixed.shape, patch)
    cells = cells[keep_cells(reg, patch)[0]]
    return np.stack([to_patches(reg.fixed, cells), to_patches(reg.moving, cells)], 1), pair_records(fixed, moving, reg,
                                                                                                    cells)

def main(women=10, workers=2, batches=20, out='benchmarks/prepare_bench.json'):
    tmp = Path(tempfile.mkdtemp())
    synth_dataset(tmp/'raw', women, seed=7, workers=workers)
    exams, _ = read_vindr(tmp/'raw')
    pairs = bilateral_pairs(exams)

    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool: regs = list(pool.map(_register, [(tmp/'raw', f, m) for f, m in pairs]))
    registration_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_patch_pairs = sum(len(tile(r, f, m)[0]) for r, (f, m) in zip(regs, pairs))
    tiling_s = time.perf_counter() - t0

    prepare('synth', 96, raw=tmp/'raw', out=tmp/'synth96', workers=workers)
    store = open_store(tmp/'synth96')
    pngs = tmp/'png'
    pngs.mkdir()
    for k, pair in enumerate(store.pairs):
        for side in (0, 1): write_png16(pngs/f'{k}_{side}.png', np.asarray(pair[side]))
    rng = np.random.default_rng(0)
    picks = [np.sort(rng.choice(len(store.pairs), 256, replace=False)) for _ in range(batches)]
    t0 = time.perf_counter()
    for idx in picks: batch = np.asarray(store.pairs[idx])
    store_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for idx in picks: batch_png = np.stack([[read_png16(pngs/f'{k}_{s}.png') for s in (0, 1)] for k in idx])
    png_s = time.perf_counter() - t0
    assert np.array_equal(batch, batch_png)

    result = dict(women=women, workers=workers, cpu_count=os.cpu_count(), image_pairs=len(pairs),
                  patch_pairs=n_patch_pairs,
                  registration_image_pairs_per_s=round(len(pairs)/registration_s, 3),
                  tiling_patch_pairs_per_s_one_process=round(n_patch_pairs/tiling_s, 1),
                  tiling_image_pairs_per_s_one_process=round(len(pairs)/tiling_s, 1),
                  store_batch_ms=round(1000*store_s/batches, 2), png_batch_ms=round(1000*png_s/batches, 2),
                  png_over_store_ratio=round(png_s/store_s, 1), store_pairs=len(store.pairs))
    print(json.dumps(result, indent=1))
    if out: Path(out).write_text(json.dumps(result, indent=1) + '\n')
    return result

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--women', type=int, default=10)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--batches', type=int, default=20)
    p.add_argument('--out', default='benchmarks/prepare_bench.json')
    main(**vars(p.parse_args()))
