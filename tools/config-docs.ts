/** Prints every configuration knob (from the zod schema's descriptions) as a Markdown table for the README. */
import { z } from 'zod';
import { configSchema } from '../src/config/schema.js';

function unwrap(t: z.ZodType): z.ZodType {
  let cur: any = t;
  while (cur?.def?.innerType) cur = cur.def.innerType;
  return cur;
}

function rows(schema: z.ZodType, prefix: string, out: string[]) {
  const shape = (unwrap(schema) as any).shape as Record<string, z.ZodType> | undefined;
  if (!shape) return;
  for (const [key, field] of Object.entries(shape)) {
    const inner = unwrap(field) as any;
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner.shape && inner.def?.type === 'object') {
      rows(field, path, out);
      continue;
    }
    const def = (field as any).def?.defaultValue;
    const dflt = def === undefined ? '' : JSON.stringify(typeof def === 'function' ? def() : def);
    const desc = (field as any).description ?? inner.description ?? '';
    out.push(`| \`${path}\` | ${dflt ? `\`${dflt}\`` : '—'} | ${desc} |`);
  }
}

const out = ['| knob | default | meaning |', '| --- | --- | --- |'];
rows(configSchema, '', out);
console.log(out.join('\n'));
