/**
 * Reading the CSV files people hand us: UTF-8 with or without BOM, LF or CRLF, headers in any case and
 * with common aliases. A structurally broken file is refused whole with a FileError naming the line.
 */
import { parse } from 'csv-parse'
import { Readable } from 'node:stream'
import { errors, type HealthflagError } from '@healthflag/protocol'
import type { RawPerson } from '@healthflag/tokens'

export type FileError = HealthflagError

/** Header aliases seen in council and NHS extracts, mapped to our column names. */
export function normaliseHeader(raw: string, aliases: Record<string, string>): string {
  const key = raw.trim().toLowerCase().replace(/[\s.\-]+/g, '_').replace(/^\uFEFF/, '')
  return aliases[key] ?? key
}

/** Refuses bytes that are not UTF-8 text (binary files, spreadsheets saved as .xlsx, UTF-16). */
export function assertText(bytes: Uint8Array, what: string): string {
  if (bytes.length === 0) throw errors.fileEmpty(`The ${what} file is empty; export it again with a header row and at least one data row.`)
  // The whole file, not a sample: a NUL anywhere is valid UTF-8 but no PostgreSQL text value can hold it.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const nul = buf.indexOf(0)
  if (nul !== -1) {
    const line = lineAt(buf, nul)
    throw errors.fileNotText(`The ${what} file is not a text CSV (it contains binary data: a NUL byte on line ${line}); save it as "CSV UTF-8" and upload again.`, { line })
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw errors.fileNotText(`The ${what} file is not valid UTF-8; save it as "CSV UTF-8" and upload again.`)
  }
}

/** The 1-based line of the byte at `offset`: one more than the line feeds before it. */
function lineAt(buf: Buffer, offset: number): number {
  let line = 1
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) line++
  return line
}

export interface CsvRecord {
  /** Line number in the file of this record's first line (the header is line 1). */
  line: number
  values: Record<string, string>
}

/**
 * Parses CSV text into records keyed by normalised header, skipping records whose every cell is blank (line numbers
 * of the others stay those of the file). Throws FILE_MALFORMED with the line for
 * unbalanced quotes or a row whose field count differs from the header's, COLUMN_MISSING naming the
 * absent required columns.
 */
export async function* readCsv(source: string | Readable, opts: { what: string; required: readonly string[]; aliases: Record<string, string> }): AsyncGenerator<CsvRecord> {
  const parser = (typeof source === 'string' ? Readable.from([source]) : source).pipe(
    // A record of only empty cells (the `,,,,` lines spreadsheets leave at the end of an export) is no row at all.
    parse({ bom: true, relax_column_count: false, skip_empty_lines: true, skip_records_with_empty_values: true, info: true, raw: true, trim: false }),
  )
  let header: string[] | undefined
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
      if (!header) {
        header = rec.record.map((h) => normaliseHeader(h, opts.aliases))
        const missing = opts.required.filter((c) => !header!.includes(c))
        if (missing.length > 0) {
          throw errors.columnMissing(`The ${opts.what} file has no ${missing.map((m) => `"${m}"`).join(', ')} column${missing.length > 1 ? 's' : ''}; the header must include: ${opts.required.join(', ')}.`, { missing })
        }
        const dup = header.find((h, i) => header!.indexOf(h) !== i)
        if (dup) throw errors.fileMalformed(`The ${opts.what} file's header names the column "${dup}" twice; keep one.`, { line: 1 })
        continue
      }
      const values: Record<string, string> = {}
      header.forEach((h, i) => {
        values[h] = (rec.record[i] ?? '').trim()
      })
      // info.lines is where the record ends; a quoted field may span lines, so count back to its start.
      const inside = (rec.raw.replace(/\r?\n$/, '').match(/\n/g) ?? []).length
      yield { line: rec.info.lines - inside, values }
    }
  } catch (e) {
    if ((e as { code?: string }).code && String((e as { code: string }).code).startsWith('CSV_')) {
      const line = (e as { lines?: number }).lines
      throw errors.fileMalformed(`The ${opts.what} file is not well-formed CSV near line ${line ?? '?'}: ${describeCsvError((e as { code: string }).code)}. Fix that line and upload again.`, { line })
    }
    throw e
  }
  if (!header) throw errors.fileEmpty(`The ${opts.what} file is empty; export it again with a header row and at least one data row.`)
}

function describeCsvError(code: string): string {
  switch (code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH':
      return 'the row has a different number of fields from the header'
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed'
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote appears inside an unquoted field'
    default:
      return code.replace(/^CSV_/, '').toLowerCase().replace(/_/g, ' ')
  }
}

/** The identifying fields of a CSV record, blank cells as absent. */
export function rawPersonOf(v: Record<string, string>): RawPerson {
  return {
    nhs_number: v.nhs_number || null,
    given_name: v.given_name || null,
    family_name: v.family_name || null,
    date_of_birth: v.date_of_birth || null,
    sex: v.sex || null,
    postcode: v.postcode || null,
  }
}
