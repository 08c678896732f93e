import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.js';

/**
 * One migrated embedded database per test run, copied by every fresh PGlite database the tests
 * open (src/store/db.ts, `template`): initdb and the migrations cost ~3 s of CPU each time, and the
 * suite opens well over a hundred. Test processes and the services they spawn inherit the variable.
 */
export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'pasokh-pglite-template-'));
  const template = join(root, 'db');
  const database = await openDatabase({ dataDir: template, template: null });
  await database.close();
  process.env.PASOKH_PGLITE_TEMPLATE = template;
  return () => rmSync(root, { recursive: true, force: true });
}
