import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable } from '../tools/lib/config-table.js';

// An operator reads the README's table, not the schema: a knob missing there is one nobody sets.
describe('the README configuration table', () => {
  it('is the table the schema prints (npx tsx tools/config-docs.ts), knob for knob', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').split('\n');
    const start = readme.indexOf('| knob | default | meaning |');
    expect(start).toBeGreaterThan(0);
    let end = start;
    while (end < readme.length && readme[end].startsWith('|')) end++;
    const printed = configTable().split('\n');
    const listed = readme.slice(start, end);
    const knob = (row: string) => row.split('|')[1].trim();
    expect(listed.map(knob)).toEqual(printed.map(knob));
    expect(listed).toEqual(printed);
  });
});
