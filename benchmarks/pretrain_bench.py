"""What the Siamese method adds to the bare cost of its encoders.

    python benchmarks/pretrain_bench.py [--dataset synth96] [--pairs 512] [--batch-size 32] [--device auto] [--out
    benchmarks/pretrain_bench.json]

On one prepared dataset (made with `make synth` and `prepare` when absent), for the same training batches:
- epoch: one training epoch of `pretrain.train_epoch`, data loading from the store, soft labels, loss, LARS steps;
- bare: the forward and backward passes of the two encoders alone, on the same batches already on the device;
- refit: the end-of-epoch refit of both mixtures on the epoch's distances, and one mixture on 214,942 distances
  (VinDr-96's size).
The ratio epoch/bare is taken within one run; the machines are shared, so absolute times vary between runs.
"""
import argparse, json, os, time
import numpy as np, torch
from siamese_mammo.options import PretrainConfig
from siamese_mammo.pretrain import setup, train_epoch, autocast
from siamese_mammo.siamese import GMMLabeller

def _sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def bare_pass(nets, batches, device) -> float:
    "Seconds for the forward and backward passes of both encoders over `batches` (already on the device)."
    _sync(device)
    t0 = time.perf_counter()
    for x in batches:
        for net in nets:
            with autocast(device): e = net.encoder(x.flatten(0, 1).unsqueeze(1))
            e.float().sum().backward()
    _sync(device)
    return time.perf_counter() - t0

def main(dataset='synth96', pairs=512, batch_size=32, device='auto', out='benchmarks/pretrain_bench.json'):
    run = setup(PretrainConfig(dataset=dataset, batch_size=batch_size, limit=pairs, lr=1e-2, device=device,
                               run_dir='/tmp/pretrain_bench'))
    n = len(run.loaders['train'])
    run.method.begin(run.batches('train'))
    # warm-up (allocator, cudnn)
    train_epoch(run.method, run.opts, run.scheds, run.batches('train', 1), n, 1, 1, run.device, False)
    run.method._seen = []
    _sync(run.device)
    t0 = time.perf_counter()
    train_epoch(run.method, run.opts, run.scheds, run.batches('train', 2), n, 1, 2, run.device, False)
    _sync(run.device)
    epoch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run.method.end_epoch()
    refit_s = time.perf_counter() - t0
    batches = [x for x, _ in run.batches('train', 2)]
    bare_s = bare_pass(run.method.nets, batches, run.device)
    d = np.r_[np.random.default_rng(0).normal(1, 0.2, 200_000), np.random.default_rng(1).normal(2, 0.4, 14_942)]
    t0 = time.perf_counter()
    GMMLabeller().fit(d)
    refit_vindr_s = time.perf_counter() - t0
    result = dict(dataset=dataset, device=str(run.device), torch_threads=torch.get_num_threads(),
                  cpu_count=os.cpu_count(),
                  train_pairs=len(run.loaders['train'].dataset), batch_size=batch_size, micro_batches=n,
                  epoch_s=round(epoch_s, 3), bare_encoders_s=round(bare_s, 3), epoch_over_bare=round(epoch_s/bare_s, 3),
                  refit_both_mixtures_s=round(refit_s, 4), refit_one_mixture_214942_s=round(refit_vindr_s, 3))
    with open(out, 'w') as f: json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dataset', default='synth96')
    p.add_argument('--pairs', type=int, default=512)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--device', default='auto')
    p.add_argument('--out', default='benchmarks/pretrain_bench.json')
    main(**vars(p.parse_args()))
