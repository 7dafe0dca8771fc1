import { canonicalize } from 'json-canonicalize'

/**
 * RFC 8785 (JCS) canonical JSON of JSON data in one JSON.stringify pass: every object's members re-inserted in
 * UTF-16 code-unit order of their names (what Array.prototype.sort compares by default, and what RFC 8785 §3.2.3
 * specifies); strings, numbers and literals are serialised by JSON.stringify, which is the ECMAScript serialisation
 * RFC 8785 §3.2.2 adopts. A JavaScript object always lists array-index names ("0", "17") first whatever the order
 * of insertion, so a value holding such a name is handed to json-canonicalize, the reference this is tested against
 * (test/canonical-json.test.ts); protocol messages never hold one. About a tenth of the reference's cost on a
 * 50,000-row answer, which is signed, verified and digested on both sides of every exchange.
 */
export function canonicalJson(value: unknown): string {
  let indexNames = false
  const text = JSON.stringify(value, function sortMembers(_key: string, v: unknown): unknown {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const src = v as Record<string, unknown>
    const names = Object.keys(src)
    // No prototype: a member named __proto__ stays a member.
    const out = Object.create(null) as Record<string, unknown>
    for (const k of names.sort()) {
      if (ARRAY_INDEX.test(k)) indexNames = true
      out[k] = src[k]
    }
    return out
  })
  return indexNames ? canonicalize(value as object) : text
}

/** Names a JavaScript object orders numerically before all others (array indices; longer ones are ordinary). */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/
