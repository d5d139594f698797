"""Two augmented views per patch: batched on the training device versus per sample in DataLoader workers.

    python benchmarks/augment_bench.py [--dataset synth96] [--patches 4096] [--batch-size 256] [--workers 2]
    [--device auto]

Both pipelines read the same single patches of a prepared store and apply the same kornia augmentation
(`ssl.mammo_augment`): once to whole batches on the training device (what SimCLR and BYOL do), once to one
patch at a time inside `--workers` DataLoader worker processes (the usual torchvision-style pipeline), batches
then moved to the device. Output: augmented patches (views) per second of each and their ratio, in one run.
"""
import argparse, json, os, time
import torch
from torch.utils.data import DataLoader, Dataset
from siamese_mammo.core import pick_device
from siamese_mammo.pretrain import PatchSet, make_loader, on_device, split_rows
from siamese_mammo.datasets import resolve_dataset
from siamese_mammo.store import open_store
from siamese_mammo.ssl import mammo_augment

class PerSample(Dataset):
    "Single patches, each turned into two views on the CPU when it is read."
    def __init__(self, patches:PatchSet): self.patches, self.augment = patches, None
    def __len__(self): return len(self.patches)
    def __getitem__(self, i):
        if self.augment is None:
            torch.set_num_threads(1)
            self.augment = mammo_augment(self.patches.patches().shape[-1])
        x = self.patches[i][0].float().div(65535)[None, None]
        return self.augment(x)[0], self.augment(x)[0]

def _sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def main(dataset='synth96', patches=4096, batch_size=256, workers=2, device='auto',
         out='benchmarks/augment_bench.json'):
    device, ds = pick_device(device), resolve_dataset(dataset)
    rows = split_rows(open_store(ds.processed).table, 'train', 'singles', patches)
    data = PatchSet(ds.processed/'pairs.npy', rows, 'singles')
    augment = mammo_augment(data.patches().shape[-1]).to(device)

    _sync(device)
    t0 = time.perf_counter()
    for x, _ in on_device(make_loader(data, batch_size, shuffle=False), device):
        v1, v2 = augment(x.unsqueeze(1)), augment(x.unsqueeze(1))
    _sync(device)
    batched_s = time.perf_counter() - t0

    loader = DataLoader(PerSample(data), batch_size, num_workers=workers)
    _sync(device)
    t0 = time.perf_counter()
    for v1, v2 in loader: v1, v2 = v1.to(device), v2.to(device)
    _sync(device)
    per_sample_s = time.perf_counter() - t0

    views = 2*len(data)
    result = dict(dataset=dataset, device=str(device), cpu_count=os.cpu_count(), patches=len(data), views=views,
                  batch_size=batch_size,
                  workers=workers, batched_views_per_s=round(views/batched_s),
                  per_sample_views_per_s=round(views/per_sample_s),
                  batched_over_per_sample=round(per_sample_s/batched_s, 2))
    with open(out, 'w') as f: json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dataset', default='synth96')
    p.add_argument('--patches', type=int, default=4096)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--device', default='auto')
    p.add_argument('--out', default='benchmarks/augment_bench.json')
    main(**vars(p.parse_args()))
