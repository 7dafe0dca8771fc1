// Fixed, distinctive people injected for PII-leak tests: grep logs and tables for any of these values.

export const MARKERS: { given_name: string; family_name: string; nhs_number: string; postcode: string; date_of_birth: string }[] = [
  // In the trust index (active, unrestricted) and a candidate.
  { given_name: 'Zebedee', family_name: 'Quaxworth', nhs_number: '9434765919', postcode: 'ST99 9ZZ', date_of_birth: '1971-07-19' },
  // Candidates only.
  { given_name: 'Philippa', family_name: 'Quaxworth', nhs_number: '9612057389', postcode: 'ST99 9ZZ', date_of_birth: '2012-03-28' },
  { given_name: 'Ignatius', family_name: 'Vexmoor-Plumb', nhs_number: '9703884121', postcode: 'ST99 8ZY', date_of_birth: '1988-11-23' },
]

/** Sex of each marker, in MARKERS order (kept apart so MARKERS keeps its agreed shape). */
export const MARKER_SEX: readonly ('M' | 'F')[] = ['M', 'F', 'M']
