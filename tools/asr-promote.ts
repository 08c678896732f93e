/**
 * Asks a running service to promote a model folder (POST /api/asr/models): the service scores the
 * candidate and the live model on the corrected turns held out from adaptation and makes the
 * candidate live for new calls, without a restart, only if it is better.
 *
 *   npm run asr:promote -- --dir MODEL_DIR [--url http://127.0.0.1:8080]     (admin key: PASOKH_ADMIN_KEY)
 *   npm run asr:promote -- --rollback [--url …]
 *
 * The folder must be readable by the service (same machine or shared storage). Prints the answer;
 * exits 0 when the candidate was promoted (or rolled back), 1 when it was not better, 2 on errors.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string' }, url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 8080}` }, rollback: { type: 'boolean', default: false } } });
const key = process.env.PASOKH_ADMIN_KEY?.split(',')[0]?.trim();
if ((!values.dir && !values.rollback) || !key) {
  console.error('usage: PASOKH_ADMIN_KEY=… npm run asr:promote -- --dir MODEL_DIR [--url http://host:port] | --rollback');
  process.exit(2);
}
const res = await fetch(new URL(values.rollback ? '/api/asr/models/rollback' : '/api/asr/models', values.url), {
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: values.rollback ? undefined : JSON.stringify({ dir: resolve(values.dir!) }),
});
const body = (await res.json()) as { promoted?: boolean };
console.log(JSON.stringify(body, null, 2));
process.exit(!res.ok ? 2 : values.rollback || body.promoted ? 0 : 1);
