"""Each preset's GAN prior judged by what matters (issue 18, point 3), beside real images.

    python bench/gan_quality.py                                            # both presets, model seed 0, n=40, 600 steps
    python bench/gan_quality.py --presets mnist5k mnist5k-shift --model-seeds 0 --n 40 --steps 600 \\
        --out bench/results/gan_quality                                    # what bench/results/gan_quality.txt holds
    python bench/gan_quality.py --presets mnist5k --model-seeds 0 1 2 --n 64 --steps 1500 --out /tmp/gq  # full strength
    python bench/gan_quality.py --summarize bench/results/gan_quality.json      # the table again, from the file

For each preset and model seed, `netguard.eval.gan_quality` on the preset's cached models (target, evaluator, all-class
checker, public classifier, GAN):
- leak: the all-class checker's share of PLG-MI's (GMI search, max-margin loss) reconstructions of each private class on
  the undefended target, from this GAN; real images: the checker's accuracy on the private test images of that class;
- Frechet distance in the evaluation net's features between GAN samples and the held-out public images (the public
  classifier's validation 10%; the GAN trained on them too); real images: another real public subset of the same size;
- smallest class share: the share of 2,000 samples the public classifier puts in its rarest public class (a collapsed
  generator scores ~0); real images: the same on the held-out public images.
Writes OUT.txt (the command, then the markdown table) and OUT.json (the plain data).
"""
import argparse, json, shlex, sys, time
from pathlib import Path

import torch

from netguard.eval import gan_quality
from netguard.train import get_preset, pretrained

ROLES = ('target', 'evaluator', 'checker', 'public', 'gan')


def measure(preset: str, model_seed: int, n: int, steps: int | None, samples: int) -> dict:
    "gan_quality for one preset and model seed, with the seconds it took."
    p = get_preset(preset)
    m = {r: pretrained(p, r, model_seed, 'cpu', progress=True) for r in ROLES}
    t0 = time.perf_counter()
    q = gan_quality(m['gan'], m['target'], m['evaluator'], m['checker'], m['public'], p.split(model_seed),
                    n=n, steps=steps, samples=samples, seed=model_seed, device='cpu', progress=False)
    return dict(preset=preset, model_seed=model_seed, seconds=round(time.perf_counter() - t0, 1), **q)


def table(rows: list[dict]) -> str:
    "The markdown table: a GAN row and a real-images row per preset and model seed."
    names = rows[0]['private_names']
    b = rows[0]['budget']
    steps = 'the attack default' if b['steps'] is None else f"{b['steps']} steps"
    head = (f"Budget: {b['attack']} (GMI search, max-margin loss, SGD lr 0.02, momentum 0.9, clip 1), {b['n']} latents "
            f"per class, {steps}, undefended target; class shares of {b['samples']} samples; Frechet distance on as many "
            "samples as held-out public images.\n\n")
    cols = ['preset', 'seed', 'images'] + [f'leak {c}' for c in names] + ['leak mean', 'Frechet (evaluator)', 'held-out public', 'smallest class share (rarest)']
    lines = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    for r in rows:
        for who in ('gan', 'real'):
            leak = r['leak'][who]
            vals = [leak[c] if c in leak else leak[str(c)] for c in range(len(names))]
            cs = r['class_share'][who]
            what = 'GAN' if who == 'gan' else 'real'
            lines.append('| ' + ' | '.join([r['preset'], str(r['model_seed']), what] + [f'{v:.2f}' for v in vals]
                                           + [f'{sum(vals) / len(vals):.2f}', f"{r['frechet'][who]:.2f}", str(r['budget']['held_out']),
                                              f"{cs['smallest']:.3f} ({cs['rarest']})"]) + ' |')
    foot = ('\n\nReal rows: leak = the checker\'s accuracy on real private test images of each class; Frechet = another '
            'real public subset vs the held-out public images (the floor at this size); class share = on the held-out '
            'public images. Frechet distances shrink with more images (their bias): compare a GAN with the real row of its own '
            'preset, not across presets with different held-out sizes. Seconds per preset: ' + ', '.join(f"{r['preset']} seed {r['model_seed']} {r['seconds']:.0f} s" for r in rows))
    return head + '\n'.join(lines) + foot


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--presets', nargs='+', default=['mnist5k', 'mnist5k-shift'])
    ap.add_argument('--model-seeds', nargs='+', type=int, default=[0])
    ap.add_argument('--n', type=int, default=40, help='latents per private class for the leak')
    ap.add_argument('--steps', type=int, default=600, help="attack steps (0: the attack's own default, 1,500)")
    ap.add_argument('--samples', type=int, default=2000, help='GAN samples for the class shares')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--summarize', metavar='JSON', help='print the table of a result file and stop')
    ap.add_argument('--out', default=None, help='write OUT.txt and OUT.json (e.g. bench/results/gan_quality)')
    args = ap.parse_args(argv)
    if args.summarize:
        print(table(json.loads(Path(args.summarize).read_text())['rows'])); return
    torch.set_num_threads(args.threads)
    rows = []
    for preset in args.presets:
        for s in args.model_seeds:
            rows.append(measure(preset, s, args.n, args.steps or None, args.samples))
            print(f"{preset} seed {s}: {rows[-1]['seconds']:.0f} s", file=sys.stderr, flush=True)
    text = table(rows)
    print(text)
    if args.out:
        cmd = 'python bench/gan_quality.py ' + ' '.join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix('.txt').write_text(f'$ {cmd}\n\n{text}\n')
        out.with_suffix('.json').write_text(json.dumps(dict(command=cmd, rows=rows), indent=1) + '\n')


if __name__ == '__main__':
    main()
