/**
 * Audio through the database: stores and reads back 60 answers' worth of 8 kHz audio (96 KB each,
 * ≈ 6 s) as bytea, three rounds, on the embedded database (default) or PostgreSQL (--url). What the
 * answer cache pays at warm-up (writes) and on every answer it fetches from the database (reads).
 *
 *   npm run bench:store-audio [-- --url postgres://…] [--blobs 60] [--bytes 96000]
 *
 * Ends with one JSON line.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/db.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, blobs: { type: 'string', default: '60' }, bytes: { type: 'string', default: '96000' } } });
const db = await openDatabase({ url: values.url });
await db.exec('create temporary table bench_audio (k int primary key, b bytea)');
const blobs = Array.from({ length: Number(values.blobs) }, (_, i) => Uint8Array.from({ length: Number(values.bytes) }, (_, j) => (j * 31 + i) & 255));
const rounds: { writeMs: number; readMs: number }[] = [];
for (let round = 0; round < 3; round++) {
  await db.exec('delete from bench_audio');
  let t0 = performance.now();
  for (const [k, b] of blobs.entries()) await db.query('insert into bench_audio values ($1, $2)', [k, b]);
  const writeMs = performance.now() - t0;
  t0 = performance.now();
  for (const [k, b] of blobs.entries()) {
    const [row] = await db.query<{ b: Uint8Array }>('select b from bench_audio where k = $1', [k]);
    if (row.b.length !== b.length || row.b[b.length - 1] !== b[b.length - 1]) throw new Error(`blob ${k} came back changed`);
  }
  const readMs = performance.now() - t0;
  rounds.push({ writeMs: Math.round(writeMs), readMs: Math.round(readMs) });
  console.error(`round ${round + 1}: write ${writeMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`);
}
await db.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
console.log(JSON.stringify({ bench: 'store-audio', database: values.url ? 'postgres' : 'pglite', blobs: blobs.length, bytes: Number(values.bytes), writeMsMedian: median(rounds.map((r) => r.writeMs)), readMsMedian: median(rounds.map((r) => r.readMs)), rounds }));
