import { parse } from 'csv-parse/sync';
import { LIMITS, type RowProblem } from './validate.js';

/**
 * Reading an uploaded FAQ file into raw rows for validation. JSON is the catalogue shape
 * (`{"faqs": [...]}` or a bare array); CSV has a header row, as Excel exports it: UTF-8 with or
 * without BOM, comma (or semicolon/tab) separated, examples and tags separated by `|`; header
 * names in English (id, question, answer, …) or Persian (شناسه، سوال، پاسخ، اقدام، صف، نمونه‌ها،
 * برچسب‌ها، فعال), and an optional menu column (منو) for the keypad menu.
 */

export interface ParsedUpload {
  rows: Record<string, unknown>[];
  /** Row number for each row as the ops team sees it (CSV: file line; JSON: 1-based index). */
  rowNumbers: number[];
  problems: RowProblem[];
  format: 'json' | 'csv';
}

const fileProblem = (message: string): ParsedUpload => ({ rows: [], rowNumbers: [], problems: [{ field: '(file)', message }], format: 'json' });

/** Strict UTF-8 decoding: a file saved in Windows-1256 must be refused, not imported as mojibake. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

export function parseUpload(bytes: Uint8Array, hint?: { contentType?: string; filename?: string }): ParsedUpload {
  if (bytes.byteLength === 0) return fileProblem('the file is empty');
  if (bytes.byteLength > LIMITS.fileBytes) return fileProblem(`the file is larger than ${LIMITS.fileBytes} bytes`);
  const text = decodeUtf8(bytes);
  if (text === null) return fileProblem('the file is not valid UTF-8 (save it as "CSV UTF-8" or JSON in UTF-8)');
  const body = text.replace(/^\ufeff/, '');
  if (body.trim() === '') return fileProblem('the file is empty');
  const looksJson = /^\s*[[{]/.test(body);
  const isJson =
    hint?.contentType?.includes('json') || hint?.filename?.toLowerCase().endsWith('.json') || (looksJson && !hint?.filename?.toLowerCase().endsWith('.csv'));
  return isJson ? parseJsonUpload(body) : parseCsvUpload(body);
}

export function parseJsonUpload(body: string): ParsedUpload {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    return fileProblem(`the file is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { faqs?: unknown })?.faqs;
  if (!Array.isArray(list)) return fileProblem('JSON must be {"faqs": [...]} or an array of FAQs');
  const rows = list.map((r) => (r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : { __notObject: r }));
  return { rows, rowNumbers: rows.map((_, i) => i + 1), problems: [], format: 'json' };
}

const COLUMNS = ['id', 'question', 'answer', 'action', 'queue', 'examples', 'tags', 'enabled', 'menu'];
const REQUIRED = ['id', 'question', 'answer'];

/** Persian column names an ops team may type in its own sheet. */
const ALIASES: Record<string, string> = {
  شناسه: 'id',
  سوال: 'question',
  پرسش: 'question',
  پاسخ: 'answer',
  جواب: 'answer',
  اقدام: 'action',
  عملیات: 'action',
  صف: 'queue',
  نمونهها: 'examples',
  مثالها: 'examples',
  برچسبها: 'tags',
  فعال: 'enabled',
  منو: 'menu',
};

/** A header cell → column name: trimmed, lower-cased, Persian aliases resolved (ZWNJ ignored). */
function columnName(header: string): string {
  const h = header.trim().toLowerCase();
  return ALIASES[h.replace(/[\u200c\s]/g, '').replace(/ي/g, 'ی').replace(/ك/g, 'ک')] ?? h;
}

export function parseCsvUpload(body: string): ParsedUpload {
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = [',', ';', '\t'].sort((a, b) => countKnown(firstLine, b) - countKnown(firstLine, a))[0];
  const records = parseCsv(body, delimiter);
  if (records.error) return { ...fileProblem(records.error), format: 'csv' };
  const [header, ...data] = records.rows;
  const names = header.map(columnName);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) {
    return { ...fileProblem(`the header row lacks column(s): ${missing.join(', ')} (expected ${COLUMNS.join(', ')})`), format: 'csv' };
  }
  const unknown = names.filter((n) => n && !COLUMNS.includes(n));
  const problems: RowProblem[] = unknown.length ? [{ field: '(header)', message: `unknown column(s): ${unknown.join(', ')}` }] : [];
  const rows: Record<string, unknown>[] = [];
  const rowNumbers: number[] = [];
  data.forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return; // Excel leaves blank lines at the end
    const get = (col: string) => {
      const k = names.indexOf(col);
      return k < 0 ? undefined : (cells[k] ?? '');
    };
    const row: Record<string, unknown> = {
      id: get('id'),
      question: get('question'),
      answer: get('answer'),
      action: blankToUndefined(get('action'))?.trim().toLowerCase(),
      queue: blankToUndefined(get('queue')),
      examples: splitList(get('examples')),
      tags: splitList(get('tags')),
    };
    const menu = blankToUndefined(get('menu'));
    if (menu !== undefined) row.menu = menu;
    const enabled = blankToUndefined(get('enabled'));
    if (enabled !== undefined) row.enabled = parseBool(enabled);
    if (cells.length > names.length && cells.slice(names.length).some((c) => c.trim())) {
      row.__extraCells = cells.length - names.length;
    }
    rows.push(row);
    rowNumbers.push(records.lines[i + 1]);
  });
  return { rows, rowNumbers, problems, format: 'csv' };
}

function countKnown(line: string, delimiter: string): number {
  return line.split(delimiter).filter((h) => COLUMNS.includes(columnName(h))).length;
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseBool(v: string): boolean | string {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 'بله', 'آری', 'فعال'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'خیر', 'نه', 'غیرفعال'].includes(s)) return false;
  return v; // left as text so validation names it
}

/**
 * RFC 4180 CSV through csv-parse: quoted fields, doubled quotes, newlines inside quotes, CRLF, LF
 * or CR. What stays ours is what the uploads need on top: the file line each record starts on (a
 * record's quoted newlines move every later line), and an unclosed quote reported by the line it
 * was opened on. Rows may have any number of cells (the callers name missing and extra ones), and
 * a stray quote inside a field is kept as text, as Excel writes it.
 */
export function parseCsv(body: string, delimiter = ','): { rows: string[][]; lines: number[]; error?: string } {
  const rows: string[][] = [];
  const lines: number[] = [];
  // Blank lines stay records ([""]): they keep the line count and the callers skip them.
  let nextLine = 1;
  try {
    parse(body, {
      delimiter,
      // Any line ending, mixed within one file, as the hand-written reader took them.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      on_record: (record: string[]) => {
        rows.push(record);
        lines.push(nextLine);
        // csv-parse's own line count takes a CRLF inside quotes for two lines; count the breaks kept in the cells.
        nextLine += 1 + record.reduce((n, cell) => n + (cell.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
        return null; // collected here; csv-parse need not keep a second copy
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') {
      return { rows, lines, error: `a quoted field opened on line ${nextLine} is never closed` };
    }
    return { rows, lines, error: `the CSV could not be read after line ${nextLine - 1}: ${(err as Error).message}` };
  }
  return { rows, lines };
}
