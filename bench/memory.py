"""NetGuard's memory estimate (`NetGuardTrainer.memory_needed`) against the memory its setup really takes.

    python bench/memory.py [--sizes 256:64 2048:0 8192:0] [--out bench/results/memory]

Each size N:A (n_fake N, anchor_others A; 3 inversion steps, since the memory does not depend on their number) runs in
a process of its own on the cached mnist5k models, protecting digit 0 on the CPU: the estimate, then the growth of the
process's peak resident memory over `setup()`. Prints both and their ratio (goal: within 10% where the inversions
dominate; a fixed part of about 100 MiB, the Fisher's batch and the allocator, is not counted, so small settings read
low). About a minute on 2 CPU cores.
"""

import argparse
import json
import os
import subprocess
import sys

from netguard.cli import run_script

ONE = """
import json, resource, sys
from netguard.data import mnist5k
from netguard.defend import NetGuardConfig, NetGuardTrainer
from netguard.train import pretrained

n, a = map(int, sys.argv[1:3])
sp = mnist5k(seed=0)
models = [pretrained('mnist5k', r, 0) for r in ('target', 'public')]
G, D = pretrained('mnist5k', 'gan', 0)
cfg = NetGuardConfig(n_fake=n, anchor_others=a, invert_steps=3, fisher_samples=256)
tr = NetGuardTrainer(*models, G, D, sp.private_train, sp.public, [0], cfg, device='cpu')
estimate = tr.memory_needed()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tr.setup()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(dict(n_fake=n, anchor_others=a, estimate=estimate, growth=after - before)))
"""


def main(argv=None):
    from netguard.report import command_line, write_result

    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', nargs='+', default=['256:64', '2048:0', '8192:0'], metavar='N:A')
    ap.add_argument('--out', default='bench/results/memory')
    args = ap.parse_args(argv)
    rows, lines = [], ['n_fake anchors | estimate MiB | peak RSS growth MiB | estimate / growth']
    for size in args.sizes:
        n, a = size.split(':')
        env = {**os.environ, 'NETGUARD_QUIET': '1'}
        out = subprocess.run([sys.executable, '-c', ONE, n, a], capture_output=True, text=True, env=env, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        mib = 2**20
        line = f"{r['n_fake']:6d} {r['anchor_others']:7d} | {r['estimate'] / mib:12.0f} | {r['growth'] / mib:19.0f} | "
        lines.append(line + f"{r['estimate'] / r['growth']:.2f}")
        print(lines[-1], flush=True)
    write_result(args.out, '\n'.join(lines) + '\n', dict(rows=rows), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
