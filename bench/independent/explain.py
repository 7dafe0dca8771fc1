#!/usr/bin/env python3
"""Show the candidate row beside the trust's record for each miss / false flag (synthetic data only).

Usage: explain.py DIR [RESULTS.csv]   (DIR holds patients.csv, candidates.csv, truth.csv from generate.py)
"""
import csv
import os
import sys


def read(path):
    with open(path, newline='', encoding='utf-8-sig') as f:
        return list(csv.DictReader(f))


def main():
    d = sys.argv[1]
    res_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(d, 'results.csv')
    pats = {r['patient_id']: r for r in read(os.path.join(d, 'patients.csv'))}
    cands = {(r.get('ref') or r.get('REF')): {k.lower(): v for k, v in r.items()} for r in read(os.path.join(d, 'candidates.csv'))}
    res = {r['ref']: r['active_service'] == 'true' for r in read(res_path)}
    cols = ['nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode']
    for t in read(os.path.join(d, 'truth.csv')):
        if t['ref'] not in res:
            continue
        want, got = t['expected_flag'] == '1', res[t['ref']]
        if want == got:
            continue
        kinds = ';'.join(k for k in t['kinds'].split(';') if not k.startswith(('fmt_', 'case_')))
        print(f"{'MISS' if want else 'FALSE FLAG'} {t['ref']} [{t['category']}] {kinds}")
        c = cands[t['ref']]
        print('   council: ' + ' | '.join(c[k] for k in cols))
        if t['patient_id']:
            p = pats[t['patient_id']]
            print('   trust:   ' + ' | '.join(p[k] for k in cols) + f" | active={p['active_service']}")


if __name__ == '__main__':
    main()
