"""How close each step of NetGuard's work comes to what the machine can do: achieved FLOP/s as a ratio of the peak.

    python bench/peak.py                    # the CPU, the package's thread count (torch's default)
    python bench/peak.py --device cuda --out bench/results/gpu_h200/peak

In one process: the peak (a large float32 matmul), every convolution of the mnist5k target, G and D alone at its shape
in the setup's batch, then one GMI step of the setup (`LatentSearch`, Adam, 256 latents: G, D and the target forward,
backward to z), one NetGuard fine-tuning step (every loss term, EWC included, Adam on the target) and one Fisher batch
(`fisher_diagonal`, 256 samples). FLOPs by `torch.utils.flop_counter.FlopCounterMode` (matmuls and convolutions; the
elementwise work is not counted; for the Fisher, those of one forward and backward of its batch, as the counter
takes vmap's per-sample convolutions for dense ones), seconds the median of `--repeats` after a warm-up; the peak is
measured before and after the steps and the higher kept. `--profile` adds, for each step below half the peak, the
reason its profile (`torch.profiler`) gives. About 3 minutes on 2 CPU cores. Writes OUT.txt (default
bench/results/peak.txt).
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from netguard.cli import run_script
from netguard.core import fetch, frozen
from netguard.defend import NetGuardConfig, NetGuardTrainer, fisher_diagonal
from netguard.invert import LatentSearch
from netguard.report import command_line, write_result
from netguard.train import get_preset, pretrained


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def seconds(fn, device, repeats: int) -> float:
    "Median seconds of `fn()` over `repeats` runs, after one warm-up run."
    fn()
    times = []
    for _ in range(repeats):
        sync(device)
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def flops(fn) -> int:
    "The matmul and convolution FLOPs of one call of `fn`."
    with FlopCounterMode(display=False) as fc:
        fn()
    return fc.get_total_flops()


def peak_matmul(device, size: int, repeats: int) -> float:
    a, b = (torch.randn(size, size, device=device) for _ in range(2))
    return 2 * size**3 / seconds(lambda: a @ b, device, repeats)


def conv_layers(models, x_of, device) -> list[tuple[str, nn.Module, torch.Tensor]]:
    "(name, conv module, its input) for every convolution of `models`, recorded on one forward pass each."
    found = []
    for tag, model in models.items():
        hooks = [
            m.register_forward_hook(lambda m, i, o, n=f'{tag}.{name}': found.append((n, m, i[0].detach())))
            for name, m in model.named_modules()
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
        ]
        with torch.no_grad():
            model(x_of[tag])
        for h in hooks:
            h.remove()
    return found


COMPUTE_OPS = (
    'aten::convolution_backward',
    'aten::mkldnn_convolution',
    'aten::_convolution',
    'aten::mm',
    'aten::addmm',
    'aten::bmm',
    'aten::slow_conv_transpose2d',
    'aten::convolution',
)


def profile_shares(fn) -> dict:
    "Each operator's share of the self time of one call of `fn` (`torch.profiler`), largest first."
    from torch.profiler import ProfilerActivity, profile

    fn()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    ev = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in ev)
    return dict(sorted(((e.key, e.self_cpu_time_total / total) for e in ev), key=lambda kv: -kv[1]))


def reason(name: str, shares: dict, conv_ceiling: float) -> str:
    "Why a step kind stays below half the peak, from its profile and the convolutions' rates alone."
    other = 1 - sum(v for k, v in shares.items() if k in COMPUTE_OPS)
    common = f"{other:.0%} of its time in operators that count no FLOP (BatchNorm, ReLU, max-pool, optimiser, copies)"
    if name.startswith('GMI'):
        return (
            f"its convolutions alone, one after another at their shapes, reach {conv_ceiling:.2f} of the peak "
            f"(1- and 16-channel layers far less), and {common}"
        )
    if name.startswith('NetGuard'):
        return (
            f"four passes of 64-128 images through the target with gradients, G and the original on 64 without (the "
            f"per-operator cost of small batches) and {common}; "
            f"the same convolutions at batch 256 reach {conv_ceiling:.2f} of the peak"
        )
    bwd = shares.get('aten::convolution_backward', 0)
    return (
        f"vmap turns each sample's weight gradient into a grouped convolution (one group per sample; "
        f"convolution_backward {bwd:.0%} of the time), which runs far below a dense one"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=None, help="default: torch's (the package sets none)")
    ap.add_argument('--latents', type=int, default=256, help='latents of a GMI step (one setup inversion: 256)')
    ap.add_argument('--matmul', type=int, default=2048, help='size of the square matmul that measures the peak')
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--profile', type=int, default=6, help="each step's top operators (0: none)")
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'peak'), help='writes OUT.txt')
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device, r = torch.device(args.device), args.repeats
    load0 = os.getloadavg()[0]
    P = get_preset('mnist5k')
    split = P.split(0)
    target, public = (pretrained(P, k, 0, device) for k in ('target', 'public'))
    G, D = pretrained(P, 'gan', 0, device)
    for m in (target, public, G, D):
        m.eval()
    peaks = [peak_matmul(device, args.matmul, r)]

    # every convolution alone, at its shape in a GMI step of the setup's batch
    z = torch.randn(args.latents, G.z_dim, device=device).clamp(-1, 1)
    with torch.no_grad():
        x = G(z)
    layers = conv_layers({'G': G, 'D': D, 'target': target}, {'G': z, 'D': x, 'target': x}, device)
    conv_rows = []
    with torch.no_grad():
        for name, m, inp in layers:
            f = flops(lambda: m(inp))
            conv_rows.append((name, tuple(inp.shape), m, f, f / seconds(lambda: m(inp), device, r)))

    # the steps
    y = torch.zeros(args.latents, dtype=torch.long, device=device)
    small = NetGuardConfig(n_fake=64, anchor_others=16, invert_steps=5)  # batches as the default's; a quick setup
    tr = NetGuardTrainer(target, public, G, D, split.private_train, split.public, [0], small, device=device)
    tr.setup()  # the trainer fine-tunes its own copy of the target: the search may freeze the original
    frozen(target, G, D)
    search = LatentSearch(target, G, D, z, y, args.latents, clip=1.0, optimizer='adam', lr=0.02)
    fisher_n = 256

    def fisher_batch():
        return fisher_diagonal(tr.model, split.private_train, max_samples=fisher_n, batch_size=fisher_n, device=device)

    conv_rate = sum(f for *_, f, _ in conv_rows) / sum(f / rate for *_, f, rate in conv_rows)
    steps = {
        f'GMI step ({args.latents} latents; G, D, target forward, backward to z, Adam)': search.step,
        'NetGuard fine-tuning step (every term and EWC, batches of 64, Adam)': lambda: tr.step(1),
        f'Fisher batch ({fisher_n} samples, vmap per-sample gradients)': fisher_batch,
    }
    ((xf, yf),) = fetch(split.private_train, [torch.arange(fisher_n)])
    xf, yf = xf.to(device), yf.to(device)

    def batch_backward():  # the multiply-adds a Fisher batch needs: one forward and backward of the batch
        tr.model.zero_grad()
        F.cross_entropy(tr.model(xf), yf).backward()

    step_rows = []
    for name, fn in steps.items():
        f = flops(batch_backward if name.startswith('Fisher') else fn)
        step_rows.append((name, f, f / seconds(fn, device, r), fn))
    peaks.append(peak_matmul(device, args.matmul, r))
    peak = max(peaks)
    lines = [
        f"{device.type}, {torch.get_num_threads()} threads, median of {r} after a warm-up; "
        f"load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after",
        f"peak: float32 matmul {args.matmul} x {args.matmul}: {peak / 1e9:.1f} GFLOP/s "
        f"(before the steps {peaks[0] / 1e9:.1f}, after {peaks[1] / 1e9:.1f})",
        '',
        '| convolution alone | input | MFLOP | GFLOP/s | ratio to peak |',
        '|---|---|---|---|---|',
    ]
    for name, shape, m, f, rate in conv_rows:
        what = f'{name} {type(m).__name__} {m.in_channels}->{m.out_channels} k{m.kernel_size[0]} s{m.stride[0]}'
        lines.append(f"| {what} | {shape} | {f / 1e6:.0f} | {rate / 1e9:.1f} | {rate / peak:.2f} |")
    lines += ['', '| step | MFLOP | GFLOP/s | ratio to peak |', '|---|---|---|---|']
    for name, f, rate, _ in step_rows:
        lines.append(f"| {name} | {f / 1e6:.0f} | {rate / 1e9:.1f} | {rate / peak:.2f} |")
    lines.append(
        f"| (the convolutions above, one after another) | {sum(r[3] for r in conv_rows) / 1e6:.0f} | "
        f"{conv_rate / 1e9:.1f} | {conv_rate / peak:.2f} |"
    )
    if args.profile and device.type == 'cpu':
        lines += ['', "why a step kind is below half the peak; its operators with the most self time (torch.profiler):"]
        for name, _, rate, fn in step_rows:
            shares = profile_shares(fn)
            top = ', '.join(f'{k} {v:.0%}' for k, v in list(shares.items())[: args.profile])
            why = reason(name, shares, conv_rate / peak) if rate < peak / 2 else 'at or above half the peak'
            lines.append(f"- {name.split(' (')[0]}: {why}. Top: {top}")
    text = '\n'.join(lines)
    print(text)
    write_result(args.out, text, command=command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
