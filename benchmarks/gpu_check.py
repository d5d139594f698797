"""The GPU check: what the training loop costs on an accelerator, in one JSON.

    benchmarks/gpu_check.sh            # on a GPU machine: about 5 minutes, writes benchmarks/gpu_check.json
    python benchmarks/gpu_check.py --tiny --data-dir D --dataset synth32 --out X.json   # on CPU, tiny (CI keeps it
    working)

For the same prepared synthetic set:
- siamese: one training epoch of `pretrain.train_epoch` (bf16 autocast and channels_last on CUDA, as `setup` makes them)
  against the bare forward and backward passes of the two encoders on the same batches (ratio within one run);
- patches per second of one training epoch for each method of `options.METHODS` at the paper's sub-batch of 256
  (a pair counts two patches), and the peak GPU memory of each;
- ddp: a one-process `torchrun` run of `siamese-mammo pretrain` (NCCL on CUDA, gloo on CPU): its exit status,
  seconds and the number of processes its metrics record.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from siamese_mammo.core import pick_device
from siamese_mammo.options import METHODS, PretrainConfig
from siamese_mammo.pretrain import setup, train_epoch
from siamese_mammo.synth import synth_dataset
from siamese_mammo.tiling import prepare
sys.path.insert(0, str(Path(__file__).parent))
from pretrain_bench import _sync, bare_pass

def make_data(root:Path, dataset:str, patients:int, size:tuple[int, int]):
    "The synthetic set of `dataset` (synth{patch}) under `root`, made and prepared when absent."
    patch = int(dataset.removeprefix('synth'))
    if not (root/'processed'/dataset/'summary.json').exists():
        synth_dataset(root/'raw'/'synth', patients, 0, size=size)
        prepare('synth', patch, size=size, data_dir=str(root))

def timed_epoch(run, epoch:int) -> float:
    "Seconds of one training epoch of `run`."
    n = len(run.loaders['train'])
    _sync(run.device)
    t0 = time.perf_counter()
    train_epoch(run.method, run.opts, run.scheds, run.batches('train', epoch), n, 1, epoch, run.device, False,
                run.steps)
    _sync(run.device)
    return time.perf_counter() - t0

def method_rates(cfg:dict) -> dict:
    "Per method: patches per second of a training epoch (after one warm-up epoch) and peak GPU memory."
    out = {}
    for name in METHODS:
        if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
        run = setup(PretrainConfig(method=name, **cfg))
        run.method.begin(run.batches('train'))
        timed_epoch(run, 1)   # warm-up: allocator, cudnn autotuning
        seconds = timed_epoch(run, 2)
        patches = len(run.loaders['train'].dataset)*(2 if run.method.unit == 'pairs' else 1)
        out[name] = dict(patches_per_s=round(patches/seconds, 1), epoch_s=round(seconds, 3), patches=patches,
                         peak_gpu_gib=round(torch.cuda.max_memory_allocated()/2**30,
                                            3) if torch.cuda.is_available() else None)
        if name == 'siamese':
            run.method.end_epoch()
            bare = bare_pass(run.method.nets, [x for x, _ in run.batches('train', 2)], run.device)
            out[name].update(bare_encoders_s=round(bare, 3), epoch_over_bare=round(seconds/bare, 3))
    return out

def ddp_run(cfg:dict, run_dir:Path) -> dict:
    "A one-process torchrun of `siamese-mammo pretrain` (one epoch)."
    torchrun = Path(sys.executable).parent/'torchrun'
    cmd = [str(torchrun), '--standalone', '--nproc_per_node', '1', '-m', 'siamese_mammo.cli', 'pretrain', '--epochs',
           '1',
           '--run-dir', str(run_dir),
           *[a for k, v in cfg.items() if v is not None for a in (f"--{k.replace('_', '-')}", str(v))]]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    metrics = run_dir/'metrics.json'
    processes = json.loads(metrics.read_text())['processes'] if metrics.exists() else None
    return dict(returncode=p.returncode, seconds=round(time.perf_counter() - t0, 1), processes=processes,
                backend='nccl' if torch.cuda.is_available() else 'gloo',
                error=p.stderr.strip().splitlines()[-1:] if p.returncode else [])

def main(tiny:bool=False, data_dir:str|None=None, dataset:str|None=None, out:str='benchmarks/gpu_check.json'):
    device = pick_device('auto')
    dataset = dataset or ('synth32' if tiny else 'synth96')
    batch = 16 if tiny else 256   # the paper's sub-batch on a GPU
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(data_dir or tmp)
        make_data(root, dataset, 8 if tiny else 60, (288, 224) if tiny else (576, 448))
        cfg = dict(dataset=dataset, data_dir=str(root), batch_size=batch, limit=64 if tiny else 4096, lr=1e-2,
                   device=device.type)
        rates = method_rates(dict(cfg, run_dir=f'{tmp}/runs'))
        ddp = ddp_run(cfg, Path(tmp)/'ddp')
    result = dict(device=torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu', torch=torch.__version__,
                  tiny=tiny,
                  dataset=dataset, sub_batch=batch, bf16_channels_last=device.type == 'cuda', methods=rates,
                  ddp_one_process=ddp,
                  cpu_count=os.cpu_count())
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=1) + '\n')
    print(json.dumps(result, indent=1))
    return result

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--tiny', action='store_true', help='tiny data and batches (a CPU check that the script works)')
    p.add_argument('--data-dir', default=None, help='data root (default: a temporary folder, the set made there)')
    p.add_argument('--dataset', default=None, help='synth{patch} (default: synth96, or synth32 with --tiny)')
    p.add_argument('--out', default='benchmarks/gpu_check.json')
    main(**vars(p.parse_args()))
