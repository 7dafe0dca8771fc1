// Hand-written vector cases: every `normalised` and `issues` value below was written by reasoning from
// docs/token-spec.md, not copied from the code's output. generate-vectors.ts refuses to write the vectors if the code
// disagrees with any of them.
import type { NormalisedPerson, RawPerson } from '../src/index.js'

export interface VectorCase {
  name: string
  input: RawPerson
  normalised: NormalisedPerson
  /** [field, severity, code] */
  issues: [string, 'warning' | 'error', string][]
}

const BASE: NormalisedPerson = {
  nhs_number: null,
  given_name: 'JOHN',
  given_canonical: [],
  family_name: 'SMITH',
  family_parts: [],
  date_of_birth: '1990-03-05',
  sex: 'M',
  postcode: 'ST4 7AB',
}
const BASE_IN: RawPerson = { given_name: 'John', family_name: 'Smith', date_of_birth: '1990-03-05', sex: 'M', postcode: 'ST4 7AB' }

function c(name: string, input: RawPerson, normalised: Partial<NormalisedPerson>, issues: VectorCase['issues'] = []): VectorCase {
  return { name, input: { ...BASE_IN, ...input }, normalised: { ...BASE, ...normalised }, issues }
}

export const TODAY = '2026-11-25'

export const CASES: VectorCase[] = [
  // Complete records
  c('complete record, every field present and clean', { nhs_number: '9434765919' }, { nhs_number: '9434765919' }),
  c('complete record in upper case with NHS number spaced', { nhs_number: '943 476 5919', given_name: 'JOHN', family_name: 'SMITH', sex: 'MALE', postcode: 'ST4 7AB' }, { nhs_number: '9434765919' }),
  // Diacritics
  c('diacritic in given name (diaeresis)', { given_name: 'Zoë', sex: 'F' }, { given_name: 'ZOE', sex: 'F' }),
  c('diacritics in both names (acute, tilde)', { given_name: 'José', family_name: 'Núñez' }, { given_name: 'JOSE', family_name: 'NUNEZ' }),
  c('umlaut in family name', { family_name: 'Müller' }, { family_name: 'MULLER' }),
  c('circumflex, Welsh given name', { given_name: 'Siân', sex: 'F' }, { given_name: 'SIAN', sex: 'F' }),
  c('sharp s upper-cases to SS', { family_name: 'Weiß' }, { family_name: 'WEISS' }),
  c('letter without a decomposition (Ł) is folded to L (v2)', { given_name: 'Łukasz' }, { given_name: 'LUKASZ' }),
  c('Ø and Æ folded to O and AE (v2)', { given_name: 'Søren', family_name: 'Kjærgaard' }, { given_name: 'SOREN', family_name: 'KJAERGAARD' }),
  c('Polish family name with ł and diacritics', { given_name: 'Michał', family_name: 'Wiśniewski' }, { given_name: 'MICHAL', family_name: 'WISNIEWSKI' }),
  // Hyphens and multi-part surnames
  c('hyphenated family name yields full form and parts', { family_name: 'Smith-Jones' }, { family_name: 'SMITHJONES', family_parts: ['SMITH', 'JONES'] }),
  c('space-separated family name gives the same as hyphenated', { family_name: 'smith  jones' }, { family_name: 'SMITHJONES', family_parts: ['SMITH', 'JONES'] }),
  c('en dash in family name is a hyphen', { family_name: 'Lloyd–Webber' }, { family_name: 'LLOYDWEBBER', family_parts: ['LLOYD', 'WEBBER'] }),
  c('particles are not emitted as parts', { family_name: 'van der Berg' }, { family_name: 'VANDERBERG', family_parts: ['BERG'] }),
  c('hyphenated given name stays one name', { given_name: 'Mary-Anne', sex: 'F' }, { given_name: 'MARYANNE', sex: 'F' }),
  c('second given name is dropped', { given_name: 'John Paul' }, { given_name: 'JOHN' }),
  // Apostrophes and dots
  c('apostrophe in family name', { family_name: "O'Brien" }, { family_name: 'OBRIEN' }),
  c('given name that is not a known name but one edit from two common names (John, Jon): no typo tokens (v2)', { given_name: 'Jhon' }, { given_name: 'JHON' }),
  c('given name that is not a known name, one edit from one common name (Thomas): typo tokens from its one-letter deletions', { given_name: 'Thomsa' }, { given_name: 'THOMSA' }),
  c('short unknown given name: typo tokens from the name alone', { given_name: 'Jhn' }, { given_name: 'JHN' }),
  c('long unknown given name with a double-barrelled surname: at most 16 typo tokens, full surname only', { given_name: 'Wolfeschlegelstein', family_name: 'Smith-Jones' }, { given_name: 'WOLFESCHLEGELSTEIN', family_name: 'SMITHJONES', family_parts: ['SMITH', 'JONES'] }),
  c('typographic apostrophe in family name', { family_name: 'O’Brien' }, { family_name: 'OBRIEN' }),
  c('apostrophe in given name', { given_name: "D'Arcy" }, { given_name: 'DARCY' }),
  c('dot and space in family name (St. John)', { family_name: 'St. John' }, { family_name: 'STJOHN', family_parts: ['JOHN'] }),
  c('apostrophe and hyphen together', { family_name: "O'Neill-Smith" }, { family_name: 'ONEILLSMITH', family_parts: ['ONEILL', 'SMITH'] }),
  // Titles and suffixes
  c('title before given name', { given_name: 'Mr John' }, {}),
  c('title with a dot', { given_name: 'Dr. John' }, {}),
  c('suffix after family name', { family_name: 'Smith Jnr' }, {}),
  c('a lone title is kept as the name (never drop the only word)', { given_name: 'Mr' }, { given_name: 'MR' }),
  // Nicknames
  c('nickname Bill -> William', { given_name: 'Bill' }, { given_name: 'BILL', given_canonical: ['WILLIAM'] }),
  c('nickname Bob -> Robert', { given_name: 'bob' }, { given_name: 'BOB', given_canonical: ['ROBERT'] }),
  c('nickname Liz -> Elizabeth', { given_name: 'Liz', sex: 'F' }, { given_name: 'LIZ', given_canonical: ['ELIZABETH'], sex: 'F' }),
  c('nickname Kate -> Catherine and Katherine (no nickname key), with a title', { given_name: 'Mrs Kate', sex: 'F' }, { given_name: 'KATE', given_canonical: ['CATHERINE', 'KATHERINE'], sex: 'F' }),
  c('nickname Beth -> Bethany and Elizabeth (no nickname key)', { given_name: 'Beth', sex: 'F' }, { given_name: 'BETH', given_canonical: ['BETHANY', 'ELIZABETH'], sex: 'F' }),
  c('gender-ambiguous nickname Alex with sex M -> Alexander only', { given_name: 'Alex' }, { given_name: 'ALEX', given_canonical: ['ALEXANDER'] }),
  c('gender-ambiguous nickname Alex with sex F -> Alexandra only', { given_name: 'Alex', sex: 'F' }, { given_name: 'ALEX', given_canonical: ['ALEXANDRA'], sex: 'F' }),
  c('gender-ambiguous nickname Alex without sex -> both (no nickname key without sex)', { given_name: 'Alex', sex: null }, { given_name: 'ALEX', given_canonical: ['ALEXANDER', 'ALEXANDRA'], sex: null }),
  c('nickname Steve -> Stephen and Steven: two formal names, so no nickname key', { given_name: 'Steve' }, { given_name: 'STEVE', given_canonical: ['STEPHEN', 'STEVEN'] }),
  c('v2 table: Geoff -> Geoffrey', { given_name: 'Geoff' }, { given_name: 'GEOFF', given_canonical: ['GEOFFREY'] }),
  c('v2 table: Kath -> three formal names (no nickname key)', { given_name: 'Kath', sex: 'F' }, { given_name: 'KATH', given_canonical: ['CATHERINE', 'KATHERINE', 'KATHLEEN'], sex: 'F' }),
  c('v2 table: Zac -> Zachary', { given_name: 'Zac' }, { given_name: 'ZAC', given_canonical: ['ZACHARY'] }),
  c('formal name has no canonical forms', { given_name: 'William' }, { given_name: 'WILLIAM' }),
  c('excluded diminutive Jack is not related to John', { given_name: 'Jack' }, { given_name: 'JACK' }),
  // Dates
  c('date dd/mm/yyyy', { date_of_birth: '05/03/1990' }, {}),
  c('date dd-mm-yyyy', { date_of_birth: '05-03-1990' }, {}),
  c('date dd.mm.yyyy', { date_of_birth: '05.03.1990' }, {}),
  c('date d/m/yyyy without leading zeros', { date_of_birth: '5/3/1990' }, {}),
  c('day above 12 (no swapped variant differs)', { date_of_birth: '25/12/1999' }, { date_of_birth: '1999-12-25' }),
  c('leap day in a leap year', { date_of_birth: '29/02/2000' }, { date_of_birth: '2000-02-29' }),
  c('date of birth today is accepted', { date_of_birth: '25.11.2026' }, { date_of_birth: '2026-11-25' }),
  c('two-digit year refused', { date_of_birth: '05/03/90' }, { date_of_birth: null }, [['date_of_birth', 'error', 'two_digit_year']]),
  c('US month-first date refused as impossible', { date_of_birth: '03/25/1990' }, { date_of_birth: null }, [['date_of_birth', 'error', 'impossible_date']]),
  c('29 February in a common year refused', { date_of_birth: '2001-02-29' }, { date_of_birth: null }, [['date_of_birth', 'error', 'impossible_date']]),
  c('31 April refused', { date_of_birth: '31/04/2001' }, { date_of_birth: null }, [['date_of_birth', 'error', 'impossible_date']]),
  c('future date refused', { date_of_birth: '2026-11-26' }, { date_of_birth: null }, [['date_of_birth', 'error', 'future_date']]),
  c('unparseable date refused', { date_of_birth: '5 March 1990' }, { date_of_birth: null }, [['date_of_birth', 'error', 'unparseable']]),
  c('missing date refused', { date_of_birth: '' }, { date_of_birth: null }, [['date_of_birth', 'error', 'missing']]),
  // Postcodes
  c('postcode lower case without a space', { postcode: 'st47ab' }, {}),
  c('postcode with extra spaces', { postcode: '  ST4   7AB ' }, {}),
  c('postcode format AA9A 9AA', { postcode: 'ec1a1bb' }, { postcode: 'EC1A 1BB' }),
  c('postcode format A9A 9AA', { postcode: 'W1A0AX' }, { postcode: 'W1A 0AX' }),
  c('postcode format A9 9AA', { postcode: 'm1 1ae' }, { postcode: 'M1 1AE' }),
  c('postcode format A99 9AA', { postcode: 'B338TH' }, { postcode: 'B33 8TH' }),
  c('postcode format AA99 9AA', { postcode: 'DN55 1PT' }, { postcode: 'DN55 1PT' }),
  c('ZZ99 pseudo-postcode is absent', { postcode: 'ZZ99 3VZ' }, { postcode: null }, [['postcode', 'warning', 'pseudo_postcode']]),
  c('NFA is absent', { postcode: 'NFA' }, { postcode: null }, [['postcode', 'warning', 'no_fixed_abode']]),
  c('"No fixed abode" is absent', { postcode: 'No fixed abode' }, { postcode: null }, [['postcode', 'warning', 'no_fixed_abode']]),
  c('invalid inward code letter (C) is absent', { postcode: 'ST4 7AC' }, { postcode: null }, [['postcode', 'warning', 'invalid_format']]),
  c('outward code only is absent', { postcode: 'ST4' }, { postcode: null }, [['postcode', 'warning', 'invalid_format']]),
  // NHS numbers
  c('NHS number with dashes', { nhs_number: '943-476-5919' }, { nhs_number: '9434765919' }),
  c('NHS number with check digit 0', { nhs_number: '9876543210' }, { nhs_number: '9876543210' }),
  c('NHS number with a wrong check digit is absent', { nhs_number: '9434765918' }, {}, [['nhs_number', 'warning', 'invalid_check_digit']]),
  c('NHS number whose check digit would be 10 is absent', { nhs_number: '1000000010' }, {}, [['nhs_number', 'warning', 'invalid_check_digit']]),
  c('NHS number of 9 digits is absent', { nhs_number: '943476591' }, {}, [['nhs_number', 'warning', 'wrong_length']]),
  c('NHS number with a letter is absent', { nhs_number: '943476591X' }, {}, [['nhs_number', 'warning', 'invalid_characters']]),
  c('NHS number of one repeated digit is absent', { nhs_number: '0000000000' }, {}, [['nhs_number', 'warning', 'repeated_digit']]),
  // Sex
  c('sex 1 is M', { sex: '1' }, { sex: 'M' }),
  c('sex 2 is F', { sex: '2' }, { sex: 'F' }),
  c('sex "female" is F', { sex: 'female' }, { sex: 'F' }),
  c('sex U is absent without a warning', { sex: 'U' }, { sex: null }),
  c('sex 9 (not specified) is absent without a warning', { sex: '9' }, { sex: null }),
  c('sex 0 (not known) is absent without a warning', { sex: '0' }, { sex: null }),
  c('sex X is absent without a warning', { sex: 'X' }, { sex: null }),
  c('unrecognised sex code is absent with a warning', { sex: 'Q' }, { sex: null }, [['sex', 'warning', 'unrecognised']]),
  // Absent fields
  c('no given name: keys needing it are not emitted', { given_name: null }, { given_name: null }),
  c('no family name and no postcode', { family_name: '', postcode: null }, { family_name: null, postcode: null }),
  c('family name with no letters is absent with a warning', { family_name: '123' }, { family_name: null }, [['family_name', 'warning', 'no_letters']]),
  c('only date of birth and family name', { given_name: null, sex: null, postcode: null }, { given_name: null, sex: null, postcode: null }),
]
