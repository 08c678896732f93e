import { z } from 'zod';
import type { Faq } from './types.js';

/**
 * Validation of FAQ rows from an upload or an edit. Every row is checked and every problem is
 * reported with its row number before anything is written: an ops team fixing a sheet wants the
 * whole list at once, and a half-imported sheet would leave the bot answering from two versions.
 */

export const LIMITS = {
  idLength: 64,
  questionLength: 500,
  answerLength: 2000,
  exampleLength: 500,
  /** Phrasings (examples) one FAQ may have. */
  examplesPerFaq: 5000,
  /** Phrasings (examples) the whole knowledge base may have after an import. */
  examplesPerKb: 100_000,
  tagLength: 40,
  tagsPerFaq: 20,
  menuLength: 120,
  queueLength: 64,
  faqsPerImport: 5000,
  /** 100,000 phrasings of a few dozen Persian words each, with room for the answers. */
  fileBytes: 64 * 1024 * 1024,
} as const;

const text = (max: number, what: string) =>
  z
    .string({ error: `${what} is required` })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, `${what} is empty`)
        .max(max, `${what} is longer than ${max} characters`)
        .refine((s) => !s.includes('\ufffd'), `${what} has characters that are not valid UTF-8`),
    );

export const faqInputSchema = z.object({
  id: z
    .string({ error: 'id is required' })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'id is empty')
        .max(LIMITS.idLength, `id is longer than ${LIMITS.idLength} characters`)
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'id may hold only Latin letters, digits, _ . and -'),
    ),
  question: text(LIMITS.questionLength, 'question'),
  answer: text(LIMITS.answerLength, 'answer'),
  action: z.enum(['answer', 'handoff', 'end'], { error: 'action must be one of answer, handoff, end' }).default('answer'),
  queue: z
    .string()
    .trim()
    .max(LIMITS.queueLength, `queue is longer than ${LIMITS.queueLength} characters`)
    .nullish()
    .transform((q) => (q ? q : null)),
  examples: z
    .array(text(LIMITS.exampleLength, 'example'), { error: 'examples must be a list of strings' })
    .max(LIMITS.examplesPerFaq, `more than ${LIMITS.examplesPerFaq.toLocaleString('en')} examples (phrasings) in one FAQ`)
    .default([]),
  tags: z
    .array(text(LIMITS.tagLength, 'tag'), { error: 'tags must be a list of strings' })
    .max(LIMITS.tagsPerFaq, `more than ${LIMITS.tagsPerFaq} tags`)
    .default([]),
  menu: z
    .string({ error: 'menu must be text' })
    .trim()
    .max(LIMITS.menuLength, `menu is longer than ${LIMITS.menuLength} characters`)
    .nullish()
    .transform((m) => (m ? m : null)),
  enabled: z.boolean({ error: 'enabled must be true or false' }).default(true),
});

export type FaqInput = z.input<typeof faqInputSchema>;

export interface RowProblem {
  field: string;
  message: string;
}

export interface RowReport {
  /** Where the ops team finds the row: the file line in a CSV (header = line 1), index + 1 in JSON. */
  row: number;
  id: string | null;
  status: 'ok' | 'error';
  problems: RowProblem[];
}

export interface ValidationReport {
  ok: boolean;
  rows: RowReport[];
  /** Problems with the file as a whole (empty, unreadable, too many rows). */
  problems: RowProblem[];
  faqs: Faq[];
}

/** Validates one FAQ (an edit); throws nothing, returns the problems or the clean FAQ. */
export function validateFaq(input: unknown): { faq: Faq; problems: [] } | { faq: null; problems: RowProblem[] } {
  const parsed = faqInputSchema.safeParse(input);
  if (!parsed.success) {
    return {
      faq: null,
      problems: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(row)', message: i.message })),
    };
  }
  const f = parsed.data;
  // Duplicate phrasings inside one FAQ add nothing but weight; keep the first.
  const examples = [...new Set(f.examples.filter((e) => e !== f.question))];
  return { faq: { ...f, examples, tags: [...new Set(f.tags)] }, problems: [] };
}

/** Validates a whole upload; `rowNumbers` maps each input to the row number shown in the report. */
export function validateFaqs(inputs: unknown[], rowNumbers?: number[]): ValidationReport {
  const problems: RowProblem[] = [];
  if (inputs.length === 0) problems.push({ field: '(file)', message: 'the file holds no FAQ rows' });
  if (inputs.length > LIMITS.faqsPerImport) {
    problems.push({ field: '(file)', message: `more than ${LIMITS.faqsPerImport} FAQs in one import` });
  }
  const firstRowOfId = new Map<string, number>();
  let phrasings = 0;
  const rows: RowReport[] = inputs.map((input, i) => {
    const row = rowNumbers?.[i] ?? i + 1;
    const result = validateFaq(input);
    const rawId = typeof (input as { id?: unknown })?.id === 'string' ? ((input as { id: string }).id.trim() || null) : null;
    const rowProblems = [...result.problems];
    const extra = (input as { __extraCells?: number })?.__extraCells;
    if (extra) rowProblems.push({ field: '(row)', message: `${extra} more cell(s) than the header has columns (a comma inside an unquoted field?)` });
    if (input === null || typeof input !== 'object' || '__notObject' in input) {
      rowProblems.splice(0, rowProblems.length, { field: '(row)', message: 'each FAQ must be an object' });
    }
    // Beyond the knowledge base's phrasings, every row that adds more is refused by name.
    const n = result.faq?.examples.length ?? 0;
    if (n > 0 && phrasings + n > LIMITS.examplesPerKb) {
      rowProblems.push({
        field: 'examples',
        message: `the knowledge base would hold more than ${LIMITS.examplesPerKb.toLocaleString('en')} examples (phrasings): ${phrasings.toLocaleString('en')} in the rows before this one, ${n.toLocaleString('en')} here`,
      });
    }
    phrasings += n;
    if (rawId) {
      const first = firstRowOfId.get(rawId);
      if (first !== undefined) rowProblems.push({ field: 'id', message: `duplicate id "${rawId}" (first seen in row ${first})` });
      else firstRowOfId.set(rawId, row);
    }
    return { row, id: rawId, status: rowProblems.length ? 'error' : 'ok', problems: rowProblems };
  });
  const ok = problems.length === 0 && rows.every((r) => r.status === 'ok');
  const faqs = ok ? inputs.map((input) => (validateFaq(input) as { faq: Faq }).faq) : [];
  return { ok, rows, problems, faqs };
}
