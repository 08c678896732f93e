import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../store/db.js';
import { createKnowledgeBase } from './service.js';

const usage = `Usage: npm run faq -- <command>
  import FILE [--merge]   import FAQs from JSON ({"faqs":[…]}) or CSV (header row; examples separated by |)
  list                    print the live FAQs (id, action, question)
  versions                print the versions, newest first
  rollback VERSION        make VERSION's FAQs live again (as a new version)
The embedded database (no DATABASE_URL) can be open in one process only: while the service runs on
it, upload through POST /api/faqs/import instead.`;

/**
 * `pasokh faq …` against the configured database (DATABASE_URL or the embedded one in dataDir).
 * Returns the exit code: 0 done, 1 rejected (the per-row report is printed), 2 usage.
 */
export async function runFaqCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { merge: { type: 'boolean', default: false } } });
  const [command, arg] = positionals;
  if (!command || !['import', 'list', 'versions', 'rollback'].includes(command) || ((command === 'import' || command === 'rollback') && !arg)) {
    console.error(usage);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : `${config.dataDir}/db` });
  const kb = await createKnowledgeBase(database, { pollMs: 0 });
  try {
    switch (command) {
      case 'import': {
        let bytes: Uint8Array;
        try {
          bytes = readFileSync(arg);
        } catch (err) {
          console.error(`Cannot read ${arg}: ${(err as Error).message}`);
          return 1;
        }
        const report = await kb.importFile(bytes, { filename: basename(arg), mode: values.merge ? 'merge' : 'replace' });
        if (!report.ok) {
          for (const p of report.problems) console.error(`${arg}: ${p.message}`);
          for (const r of report.rows.filter((x) => x.status === 'error')) {
            console.error(`${arg}: row ${r.row}${r.id ? ` (${r.id})` : ''}: ${r.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
          }
          console.error('Nothing was imported.');
          console.log(JSON.stringify({ ok: false, errors: report.rows.filter((x) => x.status === 'error').length, problems: report.problems.length }));
          return 1;
        }
        console.log(JSON.stringify({ ok: true, version: report.version, faqs: report.faqCount, format: report.format }));
        return 0;
      }
      case 'list':
        for (const f of kb.list()) console.log(`${f.id}\t${f.action}${f.enabled ? '' : ' (disabled)'}\t${f.question}`);
        return 0;
      case 'versions':
        for (const v of await kb.versions()) {
          console.log(`${v.live ? '*' : ' '} ${v.version}\t${v.createdAt}\t${v.source}\t${v.faqCount} FAQs\t${v.note ?? ''}`);
        }
        return 0;
      case 'rollback': {
        const version = Number(arg);
        const result = Number.isInteger(version) ? await kb.rollback(version) : null;
        if (!result) {
          console.error(`No version ${arg}`);
          return 1;
        }
        console.log(JSON.stringify({ ok: true, version: result.version, restored: version, faqs: result.faqCount }));
        return 0;
      }
    }
    return 2;
  } finally {
    kb.close();
    await database.close();
  }
}
