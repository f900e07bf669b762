"""How strong each latent-search attack is: every attack x identity loss x latent clipping, undefended and defended.

    python bench/attack_strength.py                                   # GMI, every loss, clipped and not, class 0
    python bench/attack_strength.py --attacks gmi lomma kedmi mirror_w --losses ce logit max_margin poincare \\
        --clips 1 none --classes 0 1 2 3 4 --defenses original netguard dpsgd:epsilon=8 admi --model-seeds 0 1 2 \\
        --prior mnist5k-shift --out strength.json
    python bench/attack_strength.py --summarize strength.json         # the table again, from the file

For each row: the evaluator's attack accuracy (AA) and the all-class checker's verdict (the share of reconstructions
that really are the attacked class) per class, next to the same two numbers for random samples G(z) of the attacker's
GAN (the baseline), the attacked model's accuracy on the private test set (MC(all), and MC(l_t) on the protected
classes), the target's mean confidence, the mean latent norm and the seconds per search step. The models are the
preset's cached models of each model seed; 'netguard' is the NetGuard default (NetGuardConfig()) protecting class 0
(or --protect), computed once per model seed and cached, and likewise any defense named with its settings (e.g.
dpsgd:epsilon=1). KED-MI's GAN and LOMMA's surrogates are trained against the attacked model (defended or not), as an
attacker would.
"""

import argparse
import hashlib
import json
import statistics
import time
from pathlib import Path

import torch

from netguard.defend import parse_settings
from netguard.data import HELD_OUT_FONTS
from netguard.defend import defend
from netguard.eval import all_class_check, attack_accuracy, model_accuracy, random_baseline
from netguard.invert import prepare_attack, run_attack
from netguard.models import load_model, save_model
from netguard.train import cache_dir, get_preset, pretrained

PREP = {'kedmi': dict(steps=800), 'alignment': dict(steps=1000)}


def parse_defense(spec: str) -> tuple[str, dict]:
    "'NAME' or 'NAME:KEY=VALUE,KEY=VALUE' (e.g. dpsgd:epsilon=1, netguard:invert_loss=max_margin), checked."
    name, _, kvs = spec.partition(':')
    items = [f'{name}.{kv}' for kv in kvs.split(',') if kv]
    return name, (parse_settings(items, [name]).get(name, {}) if name != 'original' or items else {})


def defended_target(preset, model_seed: int, spec: str, protect=(0,), defender_prior: str | None = None):
    """The preset's target of `model_seed` under defense `spec`, computed once and cached (Ad-mi: never cached);
    NetGuard uses the GAN `defender_prior` ('PRESET[:SEED]', default the preset's own of the model seed)."""
    name, settings = parse_defense(spec)
    target = pretrained(preset, 'target', model_seed, 'cpu')
    if name == 'original':
        return target
    key = dict(settings, defender_prior=defender_prior) if defender_prior else settings
    tag = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8] if key else 'default'
    path = cache_dir() / 'bench' / f'{preset.name}-{name}-{tag}-m{model_seed}-p{"_".join(map(str, protect))}.pt'
    if path.exists():
        return load_model(path, 'cpu')
    split = preset.split(model_seed)
    models = dict(
        public=pretrained(preset, 'public', model_seed, 'cpu'), gan=attacker_prior(defender_prior, preset, model_seed)
    )
    res = defend(name, target, models, split, list(protect), seed=model_seed, device='cpu', progress=False, **settings)
    if name == 'admi':
        return res.model
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(res.model, path)
    return res.model


HELD_OUT = 'mnist5k-heldout'  # mnist5k-shift's recipe drawn with the fonts its public data leaves out (HELD_OUT_FONTS)


def attacker_prior(prior: str | None, preset, model_seed: int):
    """A GAN prior: the preset's own of `model_seed`, or 'PRESET[:SEED]' (e.g. mnist5k-shift, mnist5k:1, or mnist5k:+1,
    the GAN of model seed `(model_seed + 1) % 3`); 'mnist5k-heldout' is a GAN on the handwritten 5-9
    plus printed 0-9 in the Computer Modern fonts that no defender's data holds."""
    if prior is None:
        return pretrained(preset, 'gan', model_seed, 'cpu')
    name, _, seed = prior.partition(':')
    if name == HELD_OUT:
        name = get_preset('mnist5k-shift', data_kwargs=dict(fonts=list(HELD_OUT_FONTS)))
    if seed.startswith('+'):
        seed = (model_seed + int(seed)) % 3  # another model seed's GAN: one the defender never saw
    return pretrained(name, 'gan', int(seed) if seed != '' else model_seed, 'cpu')


def attack_options(attack: str, loss: str, clip, steps: int) -> dict:
    opts = dict(loss=loss, steps=steps)
    if attack in ('gmi', 'lomma', 'plgmi', 'kedmi', 'mirror_w'):
        opts['clip'] = clip
    return opts


def mean(d: dict) -> float:
    return sum(d.values()) / len(d)


def run(args) -> list[dict]:
    preset, rows = get_preset(args.preset), []
    for ms in args.model_seeds:
        split = preset.split(ms)
        G, D = attacker_prior(args.prior, preset, ms)
        evaluator, checker = pretrained(preset, 'evaluator', ms, 'cpu'), pretrained(preset, 'checker', ms, 'cpu')
        base = random_baseline(G, evaluator, checker, args.classes, n=1000, seed=ms)
        for defense in args.defenses:
            model = defended_target(preset, ms, defense, tuple(args.protect), args.defender_prior)
            acc_all, acc_protected = model_accuracy(model, split.private_test, list(args.protect))
            for attack in args.attacks:
                t0 = time.perf_counter()
                models = prepare_attack(
                    attack, model, (G, D), split.public, seed=args.seed, progress=False, **PREP.get(attack, {})
                )
                prep_s = time.perf_counter() - t0
                for loss in args.losses:
                    for clip in args.clips:
                        t = time.perf_counter()
                        res = run_attack(
                            attack,
                            model,
                            models,
                            args.classes,
                            args.n,
                            seed=args.seed,
                            progress=False,
                            **attack_options(attack, loss, clip, args.steps),
                        )
                        sec = time.perf_counter() - t
                        x, y = res.flat()
                        aa, chk = attack_accuracy(evaluator, x, y, topk=(1,))['top1'], all_class_check(checker, x, y)
                        z = res.latents
                        row = dict(
                            preset=preset.name,
                            model_seed=ms,
                            seed=args.seed,
                            attack=attack,
                            prior=args.prior or f'{preset.name}:{ms}',
                            defense=defense
                            + (
                                f' (prior {args.defender_prior})'
                                if args.defender_prior and defense != 'original'
                                else ''
                            )
                            + (
                                f" protecting {','.join(map(str, args.protect))}"
                                if list(args.protect) != [0] and defense != 'original'
                                else ''
                            ),
                            loss=loss,
                            clip=clip,
                            n=args.n,
                            steps=args.steps,
                            s_per_step=sec / args.steps,
                            prep_s=prep_s,
                            aa=aa,
                            check=chk,
                            baseline_aa={c: base['aa'][c] for c in args.classes},
                            baseline_check={c: base['all_class'][c] for c in args.classes},
                            confidence=res.trace[-1]['confidence'],
                            acc_all=acc_all,
                            acc_protected=acc_protected,
                            z_norm=None if z is None else z.flatten(0, -2).norm(dim=1).mean().item(),
                        )
                        rows.append(row)
                        print(
                            f"m{ms} {defense:8s} {attack:8s} {loss:10s} clip {str(clip):4s} AA {mean(aa):.2f} "
                            f"check {mean(chk):.2f} conf {row['confidence']:.2f} |z| {row['z_norm'] or 0:.1f} "
                            f"{row['s_per_step']:.3f} s/step",
                            flush=True,
                        )
                        if args.out:
                            Path(args.out).write_text(json.dumps(rows, indent=1))
    return rows


def ms(vals) -> str:
    return f"{statistics.mean(vals):.2f}" + (f" ± {statistics.stdev(vals):.2f}" if len(vals) > 1 else '')


def table(rows: list[dict]) -> str:
    "Mean ± std over model seeds, per (preset, prior, defense, attack, loss, clip) and per class: AA / check."

    def prior_of(r):
        own = r.get('prior') in (None, f"{r['preset']}:{r['model_seed']}")
        return 'own GAN' if own else r['prior'].replace(':+1', ' (another model seed)')

    def key_of(r):
        return (r['preset'], prior_of(r), r['defense'], r['attack'], r['loss'], str(r['clip']))

    keys = list(dict.fromkeys(key_of(r) for r in rows))
    classes = sorted({int(c) for r in rows for c in r['aa']})
    seeds = sorted({r['model_seed'] for r in rows})

    def get(r, part, c):
        return r[part].get(str(c), r[part].get(c))

    def cell(rs, c, a, b):
        rs = [r for r in rs if get(r, a, c) is not None]
        return f"{ms([get(r, a, c) for r in rs])} / {ms([get(r, b, c) for r in rs])}" if rs else '–'

    out = [
        f"{rows[0]['n']} reconstructions per class, {rows[0]['steps']} steps, model seeds "
        f"{seeds}: AA / all-class check (mean ± std over model seeds); baseline = random G(z)",
        '',
        '| preset | prior | defense | attack | loss | clip | '
        + ' | '.join(f'class {c}' for c in classes)
        + ' | MC(all) / MC(l_t) | s/step |',
        '|---' * (len(classes) + 8) + '|',
    ]
    for preset, prior in dict.fromkeys(k[:2] for k in keys):
        first = [r for r in rows if key_of(r)[:2] == (preset, prior)]
        cells = [cell(first, c, 'baseline_aa', 'baseline_check') for c in classes]
        out.append(f'| {preset} | {prior} | | random G(z) | | | ' + ' | '.join(cells) + ' | | |')
    for key in keys:
        rs = [r for r in rows if key_of(r) == key]
        cells = [cell(rs, c, 'aa', 'check') for c in classes]
        mc = f"{ms([r['acc_all'] for r in rs])} / {ms([r['acc_protected'] for r in rs])}" if 'acc_all' in rs[0] else '–'
        out.append(
            f"| {' | '.join(key)} | {' | '.join(cells)} | {mc} | {statistics.mean(r['s_per_step'] for r in rs):.3f} |"
        )
    return '\n'.join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='mnist5k')
    ap.add_argument('--attacks', nargs='+', default=['gmi'])
    ap.add_argument('--losses', nargs='+', default=['ce', 'logit', 'max_margin', 'poincare'])
    ap.add_argument('--clips', nargs='+', default=['1', 'none'], help="latent clipping: a number or 'none'")
    ap.add_argument('--classes', type=int, nargs='+', default=[0])
    ap.add_argument(
        '--defender-prior',
        metavar='PRESET[:SEED]',
        help="the GAN NetGuard inverts with (default: the preset's own); the defender trains it on data it owns",
    )
    ap.add_argument(
        '--defenses',
        nargs='+',
        default=['original'],
        metavar='NAME[:KEY=VALUE,...]',
        help="defenses of the target: original, netguard, dpsgd, admi, each with settings after a colon, "
        "e.g. netguard:invert_loss=max_margin dpsgd:epsilon=1",
    )
    ap.add_argument('--model-seeds', type=int, nargs='+', default=[0])
    ap.add_argument('--protect', type=int, nargs='+', default=[0], help='the classes the defenses protect (l_t)')
    ap.add_argument('--seed', type=int, default=0, help="the attack's seed")
    ap.add_argument('--n', type=int, default=40, help='reconstructions per class')
    ap.add_argument('--steps', type=int, default=1500)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument(
        '--prior',
        metavar='PRESET[:SEED]',
        help="the attacker's GAN, from another preset or model seed (default: the preset's own)",
    )
    ap.add_argument('--out', help='write the rows here (JSON), updated after each row')
    ap.add_argument('--summarize', nargs='+', metavar='JSON', help='print the table of earlier runs and stop')
    args = ap.parse_args(argv)
    if args.summarize:
        print(table([r for f in args.summarize for r in json.loads(Path(f).read_text())]))
        return
    args.clips = [None if c.lower() == 'none' else float(c) for c in args.clips]
    for spec in args.defenses:
        parse_defense(spec)  # every setting checked before any work
    torch.set_num_threads(args.threads)
    print(table(run(args)))


if __name__ == '__main__':
    main()
