"""Each preset's GAN prior judged by what matters (`netguard.eval.gan_quality`), beside real images.

    python bench/gan_quality.py                    # both presets, model seed 0, n=40, 600 steps: the result file
    python bench/gan_quality.py --presets mnist5k --model-seeds 0 1 2 --n 64 --steps 1500 --out /tmp/gq   # full
    python bench/gan_quality.py --summarize bench/results/gan_quality.json                 # the table again

For each preset and model seed, `gan_quality` on the preset's cached models (target, evaluator, all-class checker,
public classifier, GAN):
- leak: the all-class checker's share of PLG-MI's (GMI search, max-margin loss) reconstructions of each private class on
  the undefended target, from this GAN; real images: the checker's accuracy on the private test images of that class;
- Frechet distance in the evaluation net's features between GAN samples and the held-out public images (the public
  classifier's validation 10%; the GAN trained on them too); real images: another real public subset of the same size;
- smallest class share: the share of 2,000 samples the public classifier puts in its rarest public class (a collapsed
  generator scores ~0); real images: the same on the held-out public images.
Writes OUT.txt (the command, the versions, `gan_quality_table`) and OUT.json (the same and the plain data). About 9
minutes on 2 CPU cores for the default.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

from netguard.cli import run_script
from netguard.eval import gan_quality, gan_quality_table
from netguard.report import command_line, read_result, write_result
from netguard.train import get_preset, pretrained

ROLES = ('target', 'evaluator', 'checker', 'public', 'gan')


def measure(preset: str, model_seed: int, n: int, steps: int | None, samples: int) -> dict:
    "gan_quality for one preset and model seed, with the seconds it took."
    p = get_preset(preset)
    m = {r: pretrained(p, r, model_seed, 'cpu', progress=True) for r in ROLES}
    t0 = time.perf_counter()
    q = gan_quality(
        m['gan'], m['target'], m['evaluator'], m['checker'], m['public'], p.split(model_seed),
        n=n, steps=steps, samples=samples, seed=model_seed, device='cpu', progress=False,
    )  # fmt: skip
    return dict(preset=preset, model_seed=model_seed, seconds=round(time.perf_counter() - t0, 1), **q)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--presets', nargs='+', default=['mnist5k', 'mnist5k-shift'])
    ap.add_argument('--model-seeds', nargs='+', type=int, default=[0])
    ap.add_argument('--n', type=int, default=40, help='latents per private class for the leak')
    ap.add_argument('--steps', type=int, default=600, help="attack steps (0: the attack's own default, 1,500)")
    ap.add_argument('--samples', type=int, default=2000, help='GAN samples for the class shares')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--summarize', metavar='JSON', help='print the table of a result file and stop')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'gan_quality'), help='OUT.txt, OUT.json')
    args = ap.parse_args(argv)
    if args.summarize:
        print(gan_quality_table(read_result(args.summarize)['rows']))
        return
    torch.set_num_threads(args.threads)
    rows = []
    for preset in args.presets:
        for s in args.model_seeds:
            rows.append(measure(preset, s, args.n, args.steps or None, args.samples))
            print(f"{preset} seed {s}: {rows[-1]['seconds']:.0f} s", file=sys.stderr, flush=True)
    text = gan_quality_table(rows)
    print(text)
    write_result(args.out, text, dict(rows=rows), command_line(__file__, argv))


if __name__ == '__main__':
    run_script(main)
