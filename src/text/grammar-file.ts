import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One grammar file in `grammars/` (format documented in grammars/README.md). */
export const grammarSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  rules: z
    .array(
      z
        .object({
          value: z.string().min(1),
          phrases: z.array(z.string().min(1)).min(1),
          multiplier: z.boolean().optional(),
        })
        .loose(),
    )
    .min(1),
});

export type Grammar = z.infer<typeof grammarSchema>;

export const GRAMMAR_DIR = new URL('../../grammars/', import.meta.url);

const cache = new Map<string, Grammar>();

/** Reads and validates `grammars/<name>.json`; a broken grammar fails loudly with its file named. */
export function readGrammar(name: string): Grammar {
  const hit = cache.get(name);
  if (hit) return hit;
  const url = new URL(`${name}.json`, GRAMMAR_DIR);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(url, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read grammar ${url.pathname}: ${(err as Error).message}`);
  }
  const parsed = grammarSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid grammar ${url.pathname}: ${why}`);
  }
  cache.set(name, parsed.data);
  return parsed.data;
}
