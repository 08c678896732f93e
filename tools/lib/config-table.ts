/** Every configuration knob (from the zod schema's descriptions) as the README's Markdown table. */
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

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
    const def = (field as any).def?.defaultValue;
    const value = typeof def === 'function' ? def() : def;
    // An object that is off (null) unless set is one knob: its parts have no default of their own.
    if (inner.shape && inner.def?.type === 'object' && value !== null) {
      rows(field, path, out);
      continue;
    }
    const dflt = value === undefined ? '' : JSON.stringify(value);
    const desc = (field as any).description ?? inner.description ?? '';
    out.push(`| \`${path}\` | ${dflt ? `\`${dflt}\`` : '—'} | ${desc} |`);
  }
}

export function configTable(): string {
  const out = ['| knob | default | meaning |', '| --- | --- | --- |'];
  rows(configSchema, '', out);
  return out.join('\n');
}
