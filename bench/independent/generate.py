#!/usr/bin/env python3
"""Independent UK-like population for acceptance point 4 of issue 4.

Written from the issue texts only (issue 3 "File formats", issue 4 noise list); it shares no code or data with
packages/synth. Writes patients.csv (the trust's index), candidates.csv (the council's list), truth.csv (ground
truth, never for the demo) and params.json into --out. Standard library only; deterministic for a seed.
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import unicodedata
from bisect import bisect
from itertools import accumulate

import names

REF_DATE = dt.date(2026, 11, 25)


def dedup(xs):
    seen = set()
    return [x for x in xs if not (x in seen or seen.add(x))]


class Zipf:
    """Zipf-Mandelbrot weights over a ranked list: weight(rank) = 1 / (rank + shift)."""

    def __init__(self, items, shift):
        self.items = items
        self.cum = list(accumulate(1.0 / (r + shift) for r in range(1, len(items) + 1)))
        self.total = self.cum[-1]
        self.p = {x: (1.0 / (r + shift)) / self.total for r, x in enumerate(items, 1)}

    def draw(self, rng):
        return self.items[bisect(self.cum, rng.random() * self.total)]


MALE = dedup(names.MALE)
FEMALE = dedup(names.FEMALE)
LIST_SURNAMES = [s.replace('_', ' ') for s in dedup(names.SURNAMES)]
TAIL_SURNAMES = dedup(h + t for h in names.SURNAME_HEADS for t in names.SURNAME_TAILS)
GIVEN = {'M': Zipf(MALE, 10), 'F': Zipf(FEMALE, 10)}
SURNAME_LIST = Zipf(LIST_SURNAMES, 20)
SURNAME_LIST_SHARE = 0.7  # the rest get a rare-tail name, uniformly

KEYBOARD = {
    'a': 'qwsz', 'b': 'vghn', 'c': 'xdfv', 'd': 'serfcx', 'e': 'wsdr', 'f': 'drtgvc', 'g': 'ftyhbv', 'h': 'gyujnb',
    'i': 'ujko', 'j': 'huikmn', 'k': 'jiolm', 'l': 'kop', 'm': 'njk', 'n': 'bhjm', 'o': 'iklp', 'p': 'ol',
    'q': 'wa', 'r': 'edft', 's': 'awedxz', 't': 'rfgy', 'u': 'yhji', 'v': 'cfgb', 'w': 'qase', 'x': 'zsdc',
    'y': 'tghu', 'z': 'asx',
}
INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'
NONDECOMPOSING = {'ł': 'l', 'Ł': 'L', 'ø': 'o', 'Ø': 'O', 'ß': 'ss', 'æ': 'ae', 'Æ': 'AE', 'đ': 'd', 'Đ': 'D'}


def ascii_fold(s):
    s = ''.join(NONDECOMPOSING.get(c, c) for c in s)
    return ''.join(c for c in unicodedata.normalize('NFKD', s) if not unicodedata.combining(c))


def surname_draw(rng):
    if rng.random() < SURNAME_LIST_SHARE:
        return SURNAME_LIST.draw(rng)
    return rng.choice(TAIL_SURNAMES)


def surname_p(s):
    p = SURNAME_LIST.p.get(s, 0.0) * SURNAME_LIST_SHARE
    if s in TAIL_SURNAMES:
        p += (1 - SURNAME_LIST_SHARE) / len(TAIL_SURNAMES)
    return p


def nhs_check_digit(nine):
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    c = 11 - total % 11
    return 0 if c == 11 else (None if c == 10 else c)


def nhs_valid(s):
    return len(s) == 10 and s.isdigit() and len(set(s)) > 1 and nhs_check_digit(s[:9]) == int(s[9])


class Nhs:
    def __init__(self, rng):
        self.rng, self.used = rng, set()

    def new(self):
        while True:
            first = self.rng.choice('4677')  # England allocates 4xx and 6xx-7xx
            nine = first + ''.join(self.rng.choice('0123456789') for _ in range(8))
            c = nhs_check_digit(nine)
            if c is None:
                continue
            n = nine + str(c)
            if n in self.used or len(set(n)) == 1:
                continue
            self.used.add(n)
            return n


class Postcodes:
    """A fixed set of postcode units per outward code; households are placed in units."""

    def __init__(self, rng, units):
        self.rng = rng
        self.units = []
        seen = set()
        while len(self.units) < units:
            out = rng.choice(names.OUTWARD)
            pc = f'{out} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}'
            if pc not in seen:
                seen.add(pc)
                self.units.append(pc)
        self.by_out = {}
        for pc in self.units:
            self.by_out.setdefault(pc.split()[0], []).append(pc)

    def any(self):
        return self.rng.choice(self.units)

    def near(self, pc):
        """A move: mostly within the same outward code, otherwise anywhere in the area."""
        for _ in range(20):
            cand = self.rng.choice(self.by_out[pc.split()[0]]) if self.rng.random() < 0.6 else self.any()
            if cand != pc:
                return cand
        return self.any()


class Person:
    __slots__ = ('i', 'given', 'middle', 'family', 'maiden', 'sex', 'dob', 'postcode', 'prev_postcode', 'nhs', 'hh',
                 'twin_of', 'patient_id', 'active', 'trust_postcode', 'trust_family', 'junior_of', 'origin')

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def dob_for_age(rng, age):
    start = REF_DATE.replace(year=REF_DATE.year - age - 1) + dt.timedelta(days=1)
    d = start + dt.timedelta(days=rng.randrange(365))
    return min(d, REF_DATE - dt.timedelta(days=1))


def adult_age(rng, lo, hi):
    # Flat-ish adult age structure, thinning after 75.
    while True:
        a = rng.randint(lo, hi)
        if a < 75 or rng.random() < 0.55:
            return a


class World:
    def __init__(self, rng, size, twin_rate, junior_rate):
        self.rng, self.people, self.households = rng, [], []
        self.nhs = Nhs(rng)
        self.pcs = Postcodes(rng, max(50, size // 30))
        self.twin_rate, self.junior_rate = twin_rate, junior_rate
        while len(self.people) < size:
            self.household()

    def person(self, hh, sex, age, family, maiden=None, given=None):
        rng = self.rng
        given = given or GIVEN[sex].draw(rng)
        middle = GIVEN[sex].draw(rng) if rng.random() < 0.6 else None
        pc = self.households[hh]
        p = Person(i=len(self.people), given=given, middle=middle, family=family, maiden=maiden, sex=sex,
                   dob=dob_for_age(rng, age), postcode=pc, prev_postcode=self.pcs.near(pc), nhs=self.nhs.new(), hh=hh,
                   origin='world')
        self.people.append(p)
        return p

    def children(self, hh, family, parent_ages, n):
        rng = self.rng
        youngest_parent = min(parent_ages)
        kids = []
        while len(kids) < n:
            age = rng.randint(0, max(0, min(17, youngest_parent - 18)))
            sex = rng.choice('MF')
            k = self.person(hh, sex, age, family)
            kids.append(k)
            if rng.random() < self.twin_rate:
                sex2 = sex if rng.random() < 0.65 else ('F' if sex == 'M' else 'M')
                given2 = similar_name(rng, k.given, sex2) if rng.random() < 0.3 else None
                t = self.person(hh, sex2, age, family, given=given2)
                t.dob, t.twin_of, k.twin_of = k.dob, k.i, t.i
                kids.append(t)
        return kids

    def household(self):
        rng = self.rng
        hh = len(self.households)
        self.households.append(self.pcs.any())
        kind = rng.choices(['single', 'couple', 'family', 'lone', 'multi'], [0.29, 0.27, 0.26, 0.11, 0.07])[0]
        family = surname_draw(rng)
        if kind == 'single':
            self.person(hh, rng.choice('MF'), adult_age(rng, 18, 95), family)
            return
        lo, hi = {'couple': (20, 95), 'family': (22, 55), 'lone': (19, 55), 'multi': (42, 80)}[kind]
        if kind == 'lone':
            parent = self.person(hh, 'F' if rng.random() < 0.88 else 'M', adult_age(rng, lo, hi), family)
            self.children(hh, family, [adult_age_of(parent)], rng.choice([1, 1, 2]))
            return
        a1 = adult_age(rng, lo, hi)
        a2 = max(18, min(95, a1 + rng.randint(-6, 6)))
        man = self.person(hh, 'M', a1, family)
        married = rng.random() < 0.8
        maiden = surname_draw(rng)
        if married and maiden != family:
            woman = self.person(hh, 'F', a2, family, maiden=maiden)
        else:
            woman = self.person(hh, 'F', a2, family if married else maiden)
        if kind == 'family':
            kids = self.children(hh, family, [a1, a2], rng.choice([1, 1, 2, 2, 3]))
            if kids and rng.random() < self.junior_rate:
                son = next((k for k in kids if k.sex == 'M' and k.twin_of is None), None)
                if son:
                    son.given, son.junior_of = man.given, man.i
            if rng.random() < 0.04 and not married:
                for k in kids:
                    k.family = f'{woman.family}-{family}'
        if kind == 'multi':
            self.person(hh, rng.choice('MF'), rng.randint(18, max(18, a1 - 22)), family)


def adult_age_of(p):
    return REF_DATE.year - p.dob.year


def similar_name(rng, given, sex):
    pool = [g for g in (MALE if sex == 'M' else FEMALE) if g != given and g[0] == given[0]]
    return rng.choice(pool) if pool else None


def typo(rng, s):
    letters = [i for i, c in enumerate(s) if c.isalpha() and c.isascii()]
    if len(letters) < 3:
        return None
    for _ in range(10):
        i = rng.choice(letters[1:])  # first letter kept: most real typos are not in the first letter
        c = s[i]
        op = rng.choice(['sub', 'del', 'ins', 'swap', 'double'])
        if op == 'sub':
            n = rng.choice(KEYBOARD.get(c.lower(), 'e'))
            out = s[:i] + (n.upper() if c.isupper() else n) + s[i + 1:]
        elif op == 'del':
            out = s[:i] + s[i + 1:]
        elif op == 'ins':
            out = s[:i] + rng.choice(KEYBOARD.get(c.lower(), 'e')) + s[i:]
        elif op == 'swap' and i + 1 < len(s) and s[i + 1].isalpha():
            out = s[:i] + s[i + 1] + s[i] + s[i + 2:]
        elif op == 'double':
            out = s[:i] + c + s[i:]
        else:
            continue
        if out.lower() != s.lower():
            return out
    return None


# ---------------------------------------------------------------------------------------------------- formats
def fmt_date(rng, d, kinds, unpadded_rate):
    style = rng.choice(['iso', 'slash', 'dash', 'dot'])
    kinds.append(f'fmt_dob_{style}')
    if style == 'iso':
        return d.isoformat()
    sep = {'slash': '/', 'dash': '-', 'dot': '.'}[style]
    if rng.random() < unpadded_rate and (d.day < 10 or d.month < 10):
        kinds.append('dob_unpadded')
        return f'{d.day}{sep}{d.month}{sep}{d.year}'
    return f'{d.day:02d}{sep}{d.month:02d}{sep}{d.year}'


def fmt_nhs(rng, n, kinds):
    style = rng.choices(['plain', 'space', 'dash'], [0.6, 0.3, 0.1])[0]
    if style != 'plain':
        kinds.append(f'fmt_nhs_{style}')
    if style == 'space':
        return f'{n[:3]} {n[3:6]} {n[6:]}'
    if style == 'dash':
        return f'{n[:3]}-{n[3:6]}-{n[6:]}'
    return n


def fmt_postcode(rng, pc, kinds):
    style = rng.choices(['std', 'lower', 'nospace', 'lower_nospace', 'double_space'], [0.7, 0.1, 0.1, 0.07, 0.03])[0]
    if style != 'std':
        kinds.append(f'fmt_pc_{style}')
    if style == 'lower':
        return pc.lower()
    if style == 'nospace':
        return pc.replace(' ', '')
    if style == 'lower_nospace':
        return pc.replace(' ', '').lower()
    if style == 'double_space':
        return pc.replace(' ', '  ')
    return pc


def fmt_case(rng, s, kinds, field):
    style = rng.choices(['as_is', 'upper', 'lower', 'mixed'], [0.55, 0.3, 0.1, 0.05])[0]
    if style == 'as_is':
        return s
    kinds.append(f'case_{field}_{style}')
    if style == 'upper':
        return s.upper()
    if style == 'lower':
        return s.lower()
    return ''.join(c.upper() if i % 2 else c.lower() for i, c in enumerate(s))


def fmt_sex(rng, sex, kinds):
    style = rng.choices(['MF', 'word', 'lower', 'digit'], [0.6, 0.25, 0.1, 0.05])[0]
    if style != 'MF':
        kinds.append(f'fmt_sex_{style}')
    if sex == 'U':
        return {'MF': 'U', 'word': 'Unknown', 'lower': 'u', 'digit': '0'}[style]
    return {'MF': sex, 'word': 'Male' if sex == 'M' else 'Female', 'lower': sex.lower(),
            'digit': '1' if sex == 'M' else '2'}[style]


def active_value(rng, active, mixed):
    style = rng.choice(['tf', 'tf', '10', 'YN']) if mixed else 'tf'
    return {'tf': ('true', 'false'), '10': ('1', '0'), 'YN': ('Y', 'N')}[style][0 if active else 1]


# ---------------------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--patients', type=int, default=20000)
    ap.add_argument('--candidates', type=int, default=None, help='default: patients / 10')
    ap.add_argument('--out', required=True)
    ap.add_argument('--coverage', type=float, default=0.35, help="share of the generated area's people in the trust index")
    ap.add_argument('--patient-share', type=float, default=0.30, help='share of candidates who are patients')
    ap.add_argument('--active-share', type=float, default=0.35, help='share of patients with active_service true')
    ap.add_argument('--twin-rate', type=float, default=0.016, help='share of births that are twins')
    ap.add_argument('--junior-rate', type=float, default=0.03, help='families where a son has his father\'s given name')
    ap.add_argument('--twin-candidates', type=float, default=0.01, help='extra candidates drawn among twins whose co-twin is a patient')
    ap.add_argument('--namesake-rate', type=float, default=0.002, help='strangers with a patient\'s name, DOB and sex, elsewhere')
    ap.add_argument('--same-name-rate', type=float, default=0.02, help='strangers with a patient\'s name and sex, other DOB')
    ap.add_argument('--nhs-present', type=float, default=0.33)
    ap.add_argument('--nhs-wrong', type=float, default=0.005, help='a household member\'s valid NHS number')
    ap.add_argument('--nhs-invalid', type=float, default=0.005, help='a mistyped (check digit fails) NHS number')
    ap.add_argument('--trust-old-postcode', type=float, default=0.05, help='patients whose index holds a previous address')
    ap.add_argument('--moved', type=float, default=0.05, help='further candidates whose council postcode differs from the trust\'s')
    ap.add_argument('--postcode-missing', type=float, default=0.01)
    ap.add_argument('--nickname', type=float, default=0.03)
    ap.add_argument('--typo-given', type=float, default=0.02)
    ap.add_argument('--typo-family', type=float, default=0.02)
    ap.add_argument('--surname-change', type=float, default=0.02)
    ap.add_argument('--dob-swap', type=float, default=0.01)
    ap.add_argument('--dob-digit', type=float, default=0.003, help='one digit of the date mistyped (beyond the issue list)')
    ap.add_argument('--middle-name', type=float, default=0.01, help='given field holds "given middle" (beyond the issue list)')
    ap.add_argument('--title', type=float, default=0.05)
    ap.add_argument('--diacritic-drop', type=float, default=0.5, help='of rows whose names carry diacritics')
    ap.add_argument('--punct-variant', type=float, default=0.3, help="of rows with ' or - in the surname")
    ap.add_argument('--sex-unknown', type=float, default=0.005)
    ap.add_argument('--unpadded-dates', type=float, default=0.01, help='d/m/yyyy (beyond the issue-3 formats)')
    ap.add_argument('--bad-dob', type=float, default=0.003, help='2-digit years: must be excluded')
    ap.add_argument('--criteria-low', type=float, default=0.05, help='criteria_met 0-1: must be excluded')
    ap.add_argument('--clean', action='store_true', help='no noise (every rate above 0, trust holds current data); formats still vary')
    ap.add_argument('--active-mixed', action='store_true', help='active_service written as true/false, 1/0 or Y/N per row')
    ap.add_argument('--crlf', action='store_true')
    ap.add_argument('--bom', action='store_true')
    ap.add_argument('--upper-headers', action='store_true')
    ap.add_argument('--quote-all', action='store_true')
    ap.add_argument('--extra-column', action='store_true', help='add a free-text column the council must ignore')
    a = ap.parse_args()
    if a.clean:
        for k in ('namesake_rate', 'nhs_wrong', 'nhs_invalid', 'trust_old_postcode', 'moved', 'postcode_missing', 'nickname',
                  'typo_given', 'typo_family', 'surname_change', 'dob_swap', 'dob_digit', 'middle_name', 'diacritic_drop',
                  'punct_variant', 'sex_unknown', 'bad_dob', 'unpadded_dates'):
            setattr(a, k, 0.0)
    n_cand = a.candidates or a.patients // 10
    rng = random.Random(a.seed)

    world = World(rng, int(a.patients / a.coverage), a.twin_rate, a.junior_rate)
    people = world.people
    members = {}
    for p in people:
        members.setdefault(p.hh, []).append(p)

    patients = rng.sample(people, a.patients)
    for k, p in enumerate(patients):
        p.patient_id = f'T{k + 1:07d}'
        p.active = rng.random() < a.active_share
        p.trust_postcode = p.prev_postcode if rng.random() < a.trust_old_postcode else p.postcode
        p.trust_family = p.family
    non_patients = [p for p in people if p.patient_id is None]
    rng.shuffle(non_patients)

    # ---- who is a candidate
    n_pat = round(a.patient_share * n_cand)
    n_twin = round(a.twin_candidates * n_cand)
    n_namesake = round(a.namesake_rate * n_cand)
    n_samename = round(a.same_name_rate * n_cand)
    chosen = []  # (person, category)
    used = set()
    twins = [p for p in people if p.twin_of is not None and people[p.twin_of].patient_id is not None]
    rng.shuffle(twins)
    for p in twins[:n_twin]:
        chosen.append((p, 'twin_of_patient'))
        used.add(p.i)
    pat_pool = [p for p in patients if p.i not in used]
    for p in rng.sample(pat_pool, n_pat - sum(1 for p, _ in chosen if p.patient_id)):
        chosen.append((p, 'patient'))
        used.add(p.i)
    # Strangers who look like a patient: the patient is drawn in proportion to how common the name is,
    # because that is how often such a coincidence happens in a real population.
    common = list(accumulate(GIVEN[p.sex].p.get(p.given, 0) * surname_p(p.family) + 1e-12 for p in patients))
    def common_patient():
        return patients[bisect(common, rng.random() * common[-1])]
    for _ in range(n_namesake):
        src = common_patient()
        s = Person(i=len(people), given=src.given, middle=None, family=src.family, sex=src.sex, dob=src.dob,
                   postcode=world.pcs.any(), nhs=world.nhs.new(), hh=-1, origin='namesake')
        s.prev_postcode = world.pcs.near(s.postcode)
        people.append(s)
        chosen.append((s, 'injected_namesake_same_dob'))
    for _ in range(n_samename):
        src = common_patient()
        dob = src.dob
        # Another day of the same year can lie after REF_DATE for a baby born this year: drawn again then, as a
        # council row with a future date of birth is refused, not sent.
        while dob == src.dob or dob >= REF_DATE:
            dob = dob_for_age(rng, adult_age(rng, 18, 90)) if rng.random() < 0.5 else src.dob.replace(
                day=rng.randint(1, 28), month=rng.randint(1, 12))
        pc = world.pcs.near(src.postcode) if rng.random() < 0.5 else world.pcs.any()
        s = Person(i=len(people), given=src.given, middle=None, family=src.family, sex=src.sex, dob=dob, postcode=pc,
                   nhs=world.nhs.new(), hh=-1, origin='samename')
        s.prev_postcode = world.pcs.near(pc)
        people.append(s)
        chosen.append((s, 'injected_namesake_other_dob'))
    by_identity = {}
    for p in patients:
        by_identity.setdefault((p.given, p.family, p.dob, p.sex), []).append(p)
    k = 0
    while len(chosen) < n_cand:
        p = non_patients[k]
        k += 1
        if p.i in used:
            continue
        cat = 'non_patient'
        hm = [m for m in members.get(p.hh, []) if m is not p and m.patient_id]
        if by_identity.get((p.given, p.family, p.dob, p.sex)):
            cat = 'natural_namesake_same_dob'  # occurs by chance in the generated population, not injected
        elif any(m.twin_of == p.i for m in hm):
            cat = 'twin_of_patient'
        elif any(m.junior_of == p.i or p.junior_of == m.i for m in hm):
            cat = 'junior_namesake_of_patient'
        elif hm:
            cat = 'household_of_patient'
        chosen.append((p, cat))
        used.add(p.i)
    rng.shuffle(chosen)

    # ---- noise selection: exact counts drawn from the rows each kind can apply to
    N = len(chosen)
    def pick(rate, ok=lambda i: True):
        elig = [i for i in range(N) if ok(i)]
        return set(rng.sample(elig, min(len(elig), round(rate * N))))
    P = [p for p, _ in chosen]
    is_pat = lambda i: P[i].patient_id is not None
    fam_members = lambda i: [m for m in members.get(P[i].hh, []) if m is not P[i]]
    sel = {
        'nhs_wrong': pick(a.nhs_wrong, lambda i: len(fam_members(i)) > 0),
        'nhs_invalid': pick(a.nhs_invalid),
        'moved': pick(a.moved),
        'postcode_missing': pick(a.postcode_missing),
        'nickname': pick(a.nickname, lambda i: P[i].given in names.NICKNAMES),
        'typo_given': pick(a.typo_given),
        'typo_family': pick(a.typo_family),
        'surname_change': pick(a.surname_change, lambda i: P[i].maiden is not None),
        'dob_swap': pick(a.dob_swap, lambda i: P[i].dob.day <= 12 and P[i].dob.day != P[i].dob.month
                         and P[i].dob.replace(day=P[i].dob.month, month=P[i].dob.day) < REF_DATE),
        'dob_digit': pick(a.dob_digit),
        'middle_name': pick(a.middle_name, lambda i: P[i].middle is not None),
        'title': pick(a.title),
        'sex_unknown': pick(a.sex_unknown),
        'bad_dob': pick(a.bad_dob),
        'criteria_low': pick(a.criteria_low),
    }

    cand_rows, truth_rows = [], []
    refs = rng.sample(range(100000, 999999), N)
    for i, (p, cat) in enumerate(chosen):
        kinds = []
        has = lambda kind: i in sel[kind]
        given, family, dob, sex, pc = p.given, p.family, p.dob, p.sex, p.postcode
        # NHS number
        nhs = ''
        if has('nhs_wrong'):
            others = fam_members(i)
            kids = [m for m in others if m.dob > p.dob] or others
            nhs = rng.choice(kids).nhs
            kinds.append('nhs_wrong_household' + ('_patient' if any(m.nhs == nhs and m.patient_id for m in others) else ''))
        elif has('nhs_invalid'):
            while True:
                j = rng.randrange(10)
                bad = p.nhs[:j] + str((int(p.nhs[j]) + rng.randint(1, 9)) % 10) + p.nhs[j + 1:]
                if not nhs_valid(bad):
                    break
            nhs = bad
            kinds.append('nhs_invalid')
        elif rng.random() < a.nhs_present:
            nhs = p.nhs
            kinds.append('nhs_present')
        if nhs:
            nhs = fmt_nhs(rng, nhs, kinds)
        # address: the trust may hold an old postcode (drawn for every patient), or the council may
        if p.patient_id and p.trust_postcode != p.postcode:
            kinds.append('moved_trust_old')
        if has('moved'):
            if p.patient_id and p.trust_postcode != p.postcode:
                pass  # already moved
            elif rng.random() < 0.5:
                pc = p.prev_postcode
                kinds.append('moved_council_old')
            else:
                pc = world.pcs.near(p.postcode)
                kinds.append('moved_council_new')
                if p.patient_id:
                    p.trust_postcode = p.postcode
        if has('postcode_missing'):
            pc = rng.choice(['', '', 'NFA', 'ZZ99 3VZ'])
            kinds.append('postcode_missing')
        # names
        if has('surname_change'):
            if rng.random() < 0.5:
                family = p.maiden  # council holds the maiden name
            elif p.patient_id:
                p.trust_family = p.maiden  # trust's record predates the marriage
            else:
                family = p.maiden
            kinds.append('surname_change')
        if has('nickname'):
            given = rng.choice(names.NICKNAMES[p.given])
            kinds.append('nickname')
        if has('middle_name'):
            given = f'{given} {p.middle}'
            kinds.append('middle_name')
        if has('typo_given'):
            t = typo(rng, given)
            if t:
                given = t
                kinds.append('typo_given')
        if has('typo_family'):
            t = typo(rng, family)
            if t:
                family = t
                kinds.append('typo_family')
        if ("'" in family or '-' in family) and rng.random() < a.punct_variant:
            v = rng.choice(['drop', 'space', 'curly', 'part'] if "'" in family else ['space', 'part', 'part'])
            if v == 'drop':
                family = family.replace("'", '')
            elif v == 'space':
                family = family.replace("'", ' ').replace('-', ' ')
            elif v == 'curly':
                family = family.replace("'", '\u2019')
            elif "-" in family:
                family = rng.choice(family.split('-'))
            else:
                v = 'drop'
                family = family.replace("'", '')
            kinds.append(f'punct_{v}')
        if (not given.isascii() or not family.isascii()) and rng.random() < a.diacritic_drop:
            nd = any(c in NONDECOMPOSING for c in given + family)
            given, family = ascii_fold(given), ascii_fold(family)
            kinds.append('diacritic_drop_nondecomposing' if nd else 'diacritic_drop')
        if has('title'):
            t = rng.choice(['Mr', 'Mr.', 'MR'] if p.sex == 'M' else ['Mrs', 'Miss', 'Ms', 'Mrs.'])
            if rng.random() < 0.1:
                t = 'Dr'
            given = f'{t} {given}'
            kinds.append('title')
        given = fmt_case(rng, given, kinds, 'given')
        family = fmt_case(rng, family, kinds, 'family')
        if rng.random() < 0.02:
            given, family = f' {given} ', f'{family} '
            kinds.append('whitespace')
        # date of birth
        excluded = None
        if has('dob_swap'):
            dob = dob.replace(day=p.dob.month, month=p.dob.day)
            kinds.append('dob_swap')
        if has('dob_digit'):
            for _ in range(20):
                try:
                    d2 = dob.replace(day=int(str(dob.day)[:-1] + str(rng.randint(0, 9)) if dob.day >= 10 else rng.randint(1, 9)))
                except ValueError:
                    continue
                if d2 != dob and d2 < REF_DATE:
                    dob = d2
                    kinds.append('dob_digit')
                    break
        if has('bad_dob'):
            dob_s = f'{dob.day:02d}/{dob.month:02d}/{dob.year % 100:02d}'
            kinds.append('bad_dob_2digit_year')
            excluded = 'date_of_birth'
        else:
            dob_s = fmt_date(rng, dob, kinds, a.unpadded_dates)
        if has('sex_unknown'):
            sex = 'U'
            kinds.append('sex_unknown')
        sex_s = fmt_sex(rng, sex, kinds)
        if has('criteria_low'):
            crit = rng.choice([0, 1, 1])
            kinds.append('criteria_low')
            excluded = excluded or 'criteria_met'
        else:
            crit = rng.choices([2, 3, 4, 5, 6], [0.35, 0.3, 0.2, 0.1, 0.05])[0]
        out = pc.split()[0] if pc and pc not in ('NFA',) and not pc.startswith('ZZ') else p.postcode.split()[0]
        area = ''.join(c for c in out if c.isalpha())
        district = rng.choice(names.STAFFS_DISTRICTS[area])
        ref = f'SF{refs[i]}'
        cand_rows.append({
            'ref': ref, 'nhs_number': nhs, 'given_name': given, 'family_name': family, 'date_of_birth': dob_s,
            'sex': sex_s, 'postcode': fmt_postcode(rng, pc, kinds) if pc and pc != 'NFA' and not pc.startswith('ZZ') else pc,
            'criteria_met': str(crit), 'district': district, 'family_id': f'FAM{p.hh:06d}' if p.hh >= 0 else f'FAMX{i:05d}',
        })
        truth_rows.append({
            'ref': ref, 'patient_id': p.patient_id or '', 'is_patient': int(p.patient_id is not None),
            'active': int(bool(p.active)), 'expected_flag': int(bool(p.patient_id and p.active)),
            'expected_sent': int(excluded is None), 'excluded_reason': excluded or '', 'category': cat,
            'kinds': ';'.join(kinds),
        })

    os.makedirs(a.out, exist_ok=True)
    # Patients file: one consistent extract format, as a PAS export would be.
    with open(os.path.join(a.out, 'patients.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['patient_id', 'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode', 'active_service'])
        order = patients[:]
        rng.shuffle(order)
        for p in order:
            w.writerow([p.patient_id, p.nhs if rng.random() < 0.99 else '', p.given, p.trust_family, p.dob.isoformat(),
                        p.sex, p.trust_postcode, active_value(rng, p.active, a.active_mixed)])
    cols = ['ref', 'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode', 'criteria_met', 'district', 'family_id']
    header = [c.upper() for c in cols] if a.upper_headers else cols[:]
    if a.extra_column:
        header.append('Caseworker notes')
    with open(os.path.join(a.out, 'candidates.csv'), 'w', newline='', encoding='utf-8-sig' if a.bom else 'utf-8') as f:
        w = csv.writer(f, lineterminator='\r\n' if a.crlf else '\n', quoting=csv.QUOTE_ALL if a.quote_all else csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in cand_rows:
            row = [r[c] for c in cols]
            if a.extra_column:
                row.append(rng.choice(['', 'seen 12/03, follow up', 'school referral; "urgent"']))
            w.writerow(row)
    tcols = ['ref', 'patient_id', 'is_patient', 'active', 'expected_flag', 'expected_sent', 'excluded_reason', 'category', 'kinds']
    with open(os.path.join(a.out, 'truth.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.DictWriter(f, tcols, lineterminator='\n')
        w.writeheader()
        w.writerows(truth_rows)
    pat_rows = [t for t in truth_rows if t['is_patient']]
    achieved = {}
    for t in truth_rows:
        for kd in set(t['kinds'].split(';')) - {''}:
            achieved[kd] = achieved.get(kd, 0) + 1
    params = vars(a) | {
        'candidates': N, 'world_people': len(world.people), 'households': len(world.households),
        'postcode_units': len(world.pcs.units), 'patient_candidates': len(pat_rows),
        'expected_true': sum(t['expected_flag'] for t in truth_rows),
        'categories': {c: sum(1 for t in truth_rows if t['category'] == c) for c in sorted({t['category'] for t in truth_rows})},
        'kind_counts_all_rows': dict(sorted(achieved.items())),
        'moved_share_of_patient_rows': round(sum(1 for t in pat_rows if 'moved' in t['kinds']) / max(1, len(pat_rows)), 4),
    }
    with open(os.path.join(a.out, 'params.json'), 'w') as f:
        json.dump(params, f, indent=1)
    print(json.dumps({k: params[k] for k in ('seed', 'patients', 'candidates', 'world_people', 'patient_candidates', 'expected_true', 'categories', 'moved_share_of_patient_rows')}))


if __name__ == '__main__':
    main()
