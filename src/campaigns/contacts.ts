import { z } from 'zod';
import { decodeUtf8, parseCsv } from '../knowledge/parse.js';
import { normalizePhone } from './phone.js';

/**
 * Reading a contact list: CSV with a header row (`phone,name,…vars`; UTF-8 with or without BOM;
 * comma, semicolon or tab; Persian headers such as «شماره»، «نام») or JSON
 * `{contacts: [{phone, name?, vars?}]}`. Every bad row is reported with its file line (JSON: its
 * 1-based index), the value and the problem, and skipped; the good ones go on.
 */
export interface ContactRow {
  phone: string;
  name: string | null;
  vars: Record<string, string>;
  line: number;
}

export interface RowProblem {
  line: number;
  value: string;
  problem: string;
}

export interface ParsedContacts {
  rows: ContactRow[];
  problems: RowProblem[];
  /** A problem with the whole file (not UTF-8, no phone column …); nothing is imported. */
  fileProblem?: string;
}

const PHONE_ALIASES = ['phone', 'mobile', 'number', 'tel', 'telephone', 'شماره', 'تلفن', 'موبایل', 'همراه', 'شمارهتلفن', 'شمارهموبایل', 'تلفنهمراه', 'شمارههمراه', 'شمارهتماس'];
const NAME_ALIASES = ['name', 'fullname', 'نام', 'نامونامخانوادگی', 'اسم', 'مشترک', 'نامشترک', 'نامکامل'];

const squash = (h: string) => h.trim().toLowerCase().replace(/[\u200c\s_\-]/g, '').replace(/ي/g, 'ی').replace(/ك/g, 'ک');

/** A header cell → `phone`, `name`, or the variable name scripts use (`{amount}`, `{مبلغ}`). */
function columnName(header: string): string {
  const s = squash(header);
  if (PHONE_ALIASES.includes(s)) return 'phone';
  if (NAME_ALIASES.includes(s)) return 'name';
  return header.trim().replace(/\s+/g, '_');
}

export function parseContacts(bytes: Uint8Array, contentType = ''): ParsedContacts {
  const text = decodeUtf8(bytes);
  if (text === null) return { rows: [], problems: [], fileProblem: 'the file is not valid UTF-8 (save it as "CSV UTF-8")' };
  const body = text.replace(/^\ufeff/, '');
  if (body.trim() === '') return { rows: [], problems: [], fileProblem: 'the file is empty' };
  if (contentType.includes('json') || /^\s*[[{]/.test(body)) {
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch (err) {
      return { rows: [], problems: [], fileProblem: `not valid JSON: ${(err as Error).message}` };
    }
    return parseContactList(data);
  }
  return parseContactCsv(body);
}

const jsonContact = z.object({
  phone: z.union([z.string(), z.number()]),
  name: z.string().max(200).nullish(),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export function parseContactList(data: unknown): ParsedContacts {
  const list = Array.isArray(data) ? data : (data as { contacts?: unknown })?.contacts;
  if (!Array.isArray(list)) return { rows: [], problems: [], fileProblem: 'JSON must be {"contacts": [{"phone": …, "name": …, "vars": {…}}]}' };
  const rows: ContactRow[] = [];
  const problems: RowProblem[] = [];
  list.forEach((item, i) => {
    const line = i + 1;
    const r = jsonContact.safeParse(item);
    if (!r.success) return problems.push({ line, value: JSON.stringify(item)?.slice(0, 120) ?? '', problem: `${r.error.issues[0].path.join('.') || 'contact'}: ${r.error.issues[0].message}` });
    const phone = normalizePhone(r.data.phone);
    if (!phone.ok) return problems.push({ line, value: String(r.data.phone), problem: phone.problem });
    const vars = Object.fromEntries(Object.entries(r.data.vars ?? {}).map(([k, v]) => [k, String(v)]));
    rows.push({ phone: phone.e164, name: r.data.name?.trim() || null, vars, line });
  });
  return { rows, problems };
}

export function parseContactCsv(body: string): ParsedContacts {
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = [',', ';', '\t'].sort((a, b) => firstLine.split(b).length - firstLine.split(a).length)[0];
  const parsed = parseCsv(body, delimiter);
  if (parsed.error) return { rows: [], problems: [], fileProblem: parsed.error };
  const [header, ...data] = parsed.rows;
  const names = header.map(columnName);
  const phoneAt = names.indexOf('phone');
  if (phoneAt < 0) return { rows: [], problems: [], fileProblem: `the header row has no phone column (phone, شماره, تلفن, موبایل); it has: ${header.join(', ')}` };
  const nameAt = names.indexOf('name');
  const rows: ContactRow[] = [];
  const problems: RowProblem[] = [];
  data.forEach((cells, i) => {
    const line = parsed.lines[i + 1];
    if (cells.every((c) => c.trim() === '')) return;
    const value = cells[phoneAt] ?? '';
    const phone = normalizePhone(value);
    if (!phone.ok) return problems.push({ line, value, problem: phone.problem });
    if (cells.length > names.length && cells.slice(names.length).some((c) => c.trim())) {
      return problems.push({ line, value: cells.join(delimiter).slice(0, 120), problem: `${cells.length} cells but the header has ${names.length} (a delimiter inside a value needs "quotes")` });
    }
    const vars: Record<string, string> = {};
    names.forEach((n, k) => {
      if (k !== phoneAt && k !== nameAt && n && cells[k] !== undefined && cells[k].trim() !== '') vars[n] = cells[k].trim();
    });
    rows.push({ phone: phone.e164, name: nameAt >= 0 ? cells[nameAt]?.trim() || null : null, vars, line });
  });
  return { rows, problems };
}
