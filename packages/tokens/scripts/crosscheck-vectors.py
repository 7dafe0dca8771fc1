#!/usr/bin/env python3
"""Independent check of test/vectors/tokens-v2.json against docs/token-spec.md, written from the spec in Python
with the `cryptography` package (X25519, HKDF) and the standard library (HMAC-SHA256). It recomputes the keys, the
canonical bytes of every key except the phonetic one (Double Metaphone is taken from the file), and every token.
Usage: python3 packages/tokens/scripts/crosscheck-vectors.py"""
import base64, hashlib, hmac, itertools, json, pathlib, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

doc = json.loads((pathlib.Path(__file__).parent.parent / 'test/vectors/tokens-v2.json').read_text())
k = doc['keys']
fails = []
def check(what, got, want):
    if got != want: fails.append(f'{what}: got {got} want {want}')

cpriv = X25519PrivateKey.from_private_bytes(bytes.fromhex(k['council_private']))
tpriv = X25519PrivateKey.from_private_bytes(bytes.fromhex(k['trust_private']))
cpub = cpriv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
tpub = tpriv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
check('council_public', cpub.hex(), k['council_public'])
check('trust_public', tpub.hex(), k['trust_public'])
ikm = cpriv.exchange(X25519PublicKey.from_public_bytes(tpub))
check('shared_secret', ikm.hex(), k['shared_secret'])
check('shared secret both ways', tpriv.exchange(X25519PublicKey.from_public_bytes(cpub)).hex(), ikm.hex())
info = b'healthflag/v2/tokens' + struct.pack('>I', k['epoch']) + cpub + tpub
k_epoch = HKDF(algorithm=hashes.SHA256(), length=32, salt=k['isa_id'].encode(), info=info).derive(ikm)
check('epoch_key', k_epoch.hex(), k['epoch_key'])
check('kcv', hmac.new(k_epoch, b'healthflag/v2/kcv', hashlib.sha256).digest()[:8].hex(), k['kcv'])

def kind_key(kind):
    material = {'canon_name_dob_sex': 'name_dob_sex', 'typo_name_dob_sex': 'edit_name_dob_sex'}.get(kind, kind)
    return HKDFExpand(algorithm=hashes.SHA256(), length=32, info=b'key:' + material.encode()).derive(k_epoch)
for kind, hexkey in k['kind_keys'].items():
    check(f'kind key {kind}', kind_key(kind).hex(), hexkey)

def canonical(values):
    out = bytes([len(values)])
    for v in values:
        b = v.encode('utf-8')
        out += struct.pack('>H', len(b)) + b
    return out

def deletions(name):
    # the name and each one-character deletion, in position order, each once (names of fewer than 3 characters: itself)
    if len(name) < 3:
        return [name]
    return list(dict.fromkeys([name] + [name[:i] + name[i + 1:] for i in range(len(name))]))[:16]

def fields(p, known_given):
    dob = p['date_of_birth']
    fam = [p['family_name']] + [x for x in p['family_parts'] if x != p['family_name']] if p['family_name'] else []
    y, m, d = (dob[:4], dob[5:7], dob[8:10]) if dob else (None, None, None)
    one = lambda v: [v] if v else []
    return {
        'nhs': one(p['nhs_number']), 'given': one(p['given_name']), 'given_canonical': p['given_canonical'] if len(p['given_canonical']) == 1 else [],
        'given_initial': one(p['given_name'][0] if p['given_name'] else None), 'family': fam,
        'dob': one(dob), 'dob_unordered': one(f'{y}-{min(m, d)}-{max(m, d)}' if dob else None),
        'birth_year': one(y), 'sex': one(p['sex']), 'postcode': one(p['postcode']),
        'outward': one(p['postcode'].split(' ')[0] if p['postcode'] else None),
        'family_full': one(p['family_name']),
        'given_edits': deletions(p['given_name']) if p['given_name'] else [],
        # whether typo tokens are sent comes from data files the spec names; the vectors record it as `given_typo`
        'given_typo': deletions(p['given_name']) if p['given_name'] and not known_given else [],
    }
KEYS = {
    'nhs': ['nhs'], 'nhs_given_dob': ['nhs', 'given', 'dob'], 'name_dob_sex_pc': ['given', 'family', 'dob', 'sex', 'postcode'],
    'name_dob_sex_out': ['given', 'family', 'dob', 'sex', 'outward'],
    'name_dob_sex': ['given', 'family', 'dob', 'sex'], 'canon_name_dob_sex': ['given_canonical', 'family', 'dob', 'sex'],
    'initial_family_dob_pc': ['given_initial', 'family', 'dob', 'postcode'], 'given_dob_sex_pc': ['given', 'dob', 'sex', 'postcode'],
    'family_dob_sex_pc': ['family', 'dob', 'sex', 'postcode'], 'name_dob_swapped': ['given', 'family', 'dob_unordered'],
    'name_year_pc': ['given', 'family', 'birth_year', 'postcode'], 'name_freq': ['given', 'family'],
    'given_freq': ['given'], 'family_freq': ['family'],
    'typo_name_dob_sex': ['given_typo', 'family_full', 'dob', 'sex'], 'edit_name_dob_sex': ['given_edits', 'family_full', 'dob', 'sex'],
}
def token(kind, b):
    return base64.urlsafe_b64encode(hmac.new(kind_key(kind), b, hashlib.sha256).digest()[:16]).rstrip(b'=').decode()

n_tokens = 0
for case in doc['cases']:
    if case['tokens'] is None:
        continue
    f = fields(case['normalised'], not case['given_typo'])
    for kind, names in KEYS.items():
        combos = [canonical(list(c)).hex() for c in itertools.product(*(f[n] for n in names))]
        check(f"{case['name']} canonical {kind}", combos, case['canonical_bytes'].get(kind, []))
    for kind, hexes in case['canonical_bytes'].items():
        want = case['tokens'].get(kind)
        got = list(dict.fromkeys(token(kind, bytes.fromhex(h)) for h in hexes))
        check(f"{case['name']} tokens {kind}", got, want)
        n_tokens += len(got)
    check(f"{case['name']} token kinds", sorted(case['tokens']), sorted(case['canonical_bytes']))

if fails:
    print('\n'.join(fails)); print(f'{len(fails)} mismatches'); sys.exit(1)
print(f"{len(doc['cases'])} cases, {n_tokens} tokens: all agree with the spec")
