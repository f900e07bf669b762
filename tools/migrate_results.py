"""Move the rows of a legacy result file into the current result file, in `run_benchmark`'s schema.

    python tools/migrate_results.py [--results DIR] [--remove-legacy] [--no-text]

Today one legacy file: bench/results/attack_strength.json, the rows of the `bench/attack_strength.py` that had its own
attack/evaluate code, goes into bench/results/strength.json, the rows that script now writes through `run_benchmark`.
Each legacy row becomes the row `run_benchmark` writes for the same run:

- attack 'gmi', loss 'max_margin', clip 1.0 -> attack 'gmi:loss=max_margin,clip=1.0' (clip None: 'clip=None'), the
  variant `attack_strength.variants` names;
- defense 'NAME (prior P) protecting 0,1,2,3,4' -> defense 'NAME', protected [0, 1, 2, 3, 4] (without 'protecting':
  [0], the script's default) and, with '(prior P)', `defender_prior` 'P': the GAN NetGuard inverted with
  (`--defender-prior`; `run_benchmark`'s rows have no field for it, so this one is new);
- prior 'PRESET:MODEL_SEED' of the row's own preset and model seed -> None (the defender's own GAN); 'PRESET:+K',
  which meant model seed (m + K) % 3 -> 'PRESET:+K' where `prior_spec` reads the same seed, else 'PRESET:SEED'
  (model seed 2's 'mnist5k:+1' was model seed 0's GAN: 'mnist5k:0'); any other prior as it was;
- aa -> aa_top1, check -> all_class, baseline_check -> baseline_all_class; classes: the attacked classes (the keys of
  aa); preset, model_seed, seed, n, baseline_aa, acc_all, acc_protected as they were;
- left out (the legacy rows did not measure them): aa_top5, checker_reads, knn, feature_fid, fid, settings,
  defense_seconds, attack_seconds; kept under `legacy` (no field of `run_benchmark`'s means them): steps, s_per_step,
  prep_s, confidence, z_norm;
- added: `migrated_from` 'attack_strength.json'.

A legacy row of a run that the current file measures again (same preset, prior (the same GAN), defense, defender
prior, protected classes, attack variant, model seed and seed) is dropped: the newer row wins. The migrated rows come
first, in the legacy file's order (they were measured first), then the current rows as they were. The other top-level
keys stay; `migrated` lists each legacy file with the commands and note its .txt recorded, the rows migrated and those
dropped. strength.json is written to a temporary file and moved into place.

strength.txt keeps what its command printed; below a line 'migrated from attack_strength.json ...' it gets the
migrated rows' commands and tables (`attack_strength.tables`, one per preset and defender prior, so it needs the
package; --no-text leaves strength.txt alone). With --remove-legacy, attack_strength.json and attack_strength.txt
are deleted once migrated. Running it again gives the same files: the migrated rows are made again from the legacy
file, or, when it is gone, kept as they are (less any that the current rows now measure again).
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'bench' / 'results'
LEGACY = {'attack_strength.json': 'strength.json'}  # legacy file -> the current file its rows go to
LEGACY_ONLY = ('steps', 's_per_step', 'prep_s', 'confidence', 'z_norm')
DEFENSE = re.compile(r'^(?P<name>\S+?)(?: \(prior (?P<prior>[^)]+)\))?(?: protecting (?P<protected>\d+(?:,\d+)*))?$')
OLD_SEEDS = 3  # the legacy 'PRESET:+K' counted model seeds modulo 3


def legacy_prior(r: dict) -> str | None:
    "The prior of legacy row `r` as `run_benchmark` names it (see the docstring)."
    name, _, seed = r['prior'].partition(':')
    ms = r['model_seed']
    if seed.startswith('+'):
        s = (ms + int(seed)) % OLD_SEEDS
        return r['prior'] if s == ms + int(seed) else f'{name}:{s}'
    if name == r['preset'] and seed and int(seed) == ms:
        return None
    return r['prior']


def as_run_row(r: dict, source: str) -> dict:
    "Legacy row `r` of the file `source` in `run_benchmark`'s fields."
    m = DEFENSE.match(r['defense'])
    if m is None:
        raise ValueError(f"{source}: can't read the defense {r['defense']!r}")
    clip = r['clip'] if r['clip'] is None else float(r['clip'])
    row = dict(
        attack=f"{r['attack']}:loss={r['loss']},clip={clip}",
        defense=m['name'],
        seed=r['seed'],
        protected=[int(c) for c in m['protected'].split(',')] if m['protected'] else [0],
        classes=sorted(int(c) for c in r['aa']),
        n=r['n'],
        acc_all=r['acc_all'],
        acc_protected=r['acc_protected'],
        aa_top1=r['aa'],
        all_class=r['check'],
        baseline_aa=r['baseline_aa'],
        baseline_all_class=r['baseline_check'],
        prior=legacy_prior(r),
        model_seed=r['model_seed'],
        preset=r['preset'],
    )
    if m['prior']:
        row['defender_prior'] = m['prior']
    return row | dict(legacy={k: r[k] for k in LEGACY_ONLY if k in r}, migrated_from=source)


def gan_of(r: dict) -> tuple:
    "The attacker's GAN of row `r`: (name, model seed), by `prior_spec`'s reading of the prior (None: the own GAN)."
    ms = r['model_seed']
    if r['prior'] is None:
        return r['preset'], ms
    name, _, seed = r['prior'].partition(':')
    return name, ms + int(seed) if seed.startswith(('+', '-')) else int(seed) if seed else ms


def run_key(r: dict) -> tuple:
    "What makes two rows the same run."
    keys = ('preset', 'defense', 'defender_prior', 'attack', 'model_seed', 'seed')
    return gan_of(r), tuple(r['protected']), *(r.get(k) for k in keys)


def legacy_record(txt: Path) -> dict:
    "The commands ('$ ...' lines) and notes ('# ...' lines) of a legacy .txt, when there is one."
    lines = txt.read_text().splitlines() if txt.exists() else []
    out = dict(commands=[s[2:] for s in lines if s.startswith('$ ')], note=[s[2:] for s in lines if s.startswith('# ')])
    return {k: v for k, v in out.items() if v}


def merge(current: dict, legacy: list[dict] | None, source: str, record: dict) -> tuple[dict, int]:
    """`current` (a result dict with 'rows') with the rows of the legacy file `source` migrated in (`legacy`: its rows,
    or None when it is gone: the rows migrated before are kept); the new dict and how many rows were dropped now."""
    rows = current['rows']
    kept = [r for r in rows if r.get('migrated_from') != source]
    entries = [e for e in current.get('migrated', []) if e['file'] != source]
    before = next((e for e in current.get('migrated', []) if e['file'] == source), None)
    if legacy is not None:
        migrated, entry = [as_run_row(r, source) for r in legacy], dict(file=source, **record, rows=0, dropped=0)
    elif before is not None:
        migrated, entry = [r for r in rows if r.get('migrated_from') == source], dict(before)
    else:
        return current, 0
    keys = [run_key(r) for r in migrated]
    if len(set(keys)) < len(keys):
        raise ValueError(f'{source}: a run is there twice; give each run once')
    again = {run_key(r) for r in kept}
    out_rows = [r for r, k in zip(migrated, keys) if k not in again] + kept
    dropped = len(migrated) - (len(out_rows) - len(kept))
    entry.update(rows=len(out_rows) - len(kept), dropped=entry['dropped'] + dropped)
    out = {}
    for k, v in current.items():
        if k == 'rows':
            out['migrated'] = entries + [entry]
        if k != 'migrated':
            out[k] = v
    out['rows'] = out_rows
    return out, dropped


def write_atomically(path: Path, text: str):
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text)
    os.replace(tmp, path)


def migrated_text(rows: list[dict], entry: dict) -> str:
    """The section of strength.txt on the rows migrated from `entry['file']`: its commands, then
    `attack_strength.tables` of each (preset, defender prior)."""
    sys.path.insert(0, str(ROOT / 'bench'))
    from attack_strength import tables

    parts = {}
    for r in rows:
        parts.setdefault((r['preset'], r.get('defender_prior')), []).append(r)
    out = [
        f"migrated from {entry['file']} ({entry['rows']} rows of the earlier attack_strength.py; "
        f"{entry['dropped']} more it held are measured again above), in strength.json with migrated_from:"
    ]
    out += [f'$ {c}' for c in entry.get('commands', [])] + [f'# {c}' for c in entry.get('note', [])]
    for (preset, prior), rs in parts.items():
        out += ['', f'preset {preset}' + (f', NetGuard inverting with the GAN {prior}' if prior else '') + ':']
        out += ['', tables(rs).rstrip()]
    return '\n'.join(out) + '\n'


def migrate(results: Path, remove: bool = False, text: bool = True) -> list[str]:
    "Migrate every legacy file in `results`; one line per file on what was done."
    said = []
    for source, target in LEGACY.items():
        old, new = results / source, results / target
        current = json.loads(new.read_text())
        legacy = json.loads(old.read_text()) if old.exists() else None
        data, dropped = merge(current, legacy, source, legacy_record(old.with_suffix('.txt')))
        entry = next((e for e in data.get('migrated', []) if e['file'] == source), None)
        if entry is None:
            said.append(f'{source}: not in {results} and never migrated; nothing to do')
            continue
        write_atomically(new, json.dumps(data, indent=1) + '\n')
        kept = len(data['rows']) - entry['rows']
        said.append(
            f"{source}: {len(legacy) if legacy is not None else 'gone'} legacy rows, {kept} current rows; "
            f"{entry['rows']} migrated, {dropped} dropped now as measured again ({entry['dropped']} in all); "
            f"{target} has {len(data['rows'])} rows"
        )
        txt = new.with_suffix('.txt')
        if text and txt.exists():
            marker = f'\nmigrated from {source} '
            head = txt.read_text().split(marker)[0].rstrip('\n')
            rows = [r for r in data['rows'] if r.get('migrated_from') == source]
            write_atomically(txt, f'{head}\n\n{migrated_text(rows, entry)}')
            said.append(f'{txt.name}: the tables of the {len(rows)} migrated rows written below its own')
        if remove and legacy is not None:
            for p in (old, old.with_suffix('.txt')):
                if p.exists():
                    p.unlink()
                    said.append(f'removed {p.name}')
    return said


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--results', type=Path, default=RESULTS, help='the results folder (default: bench/results)')
    ap.add_argument('--remove-legacy', action='store_true', help='delete each legacy .json and .txt once migrated')
    ap.add_argument('--no-text', action='store_true', help="leave strength.txt as it is (no package needed)")
    args = ap.parse_args(argv)
    print('\n'.join(migrate(args.results, args.remove_legacy, not args.no_text)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
