/**
 * Training data from the site's own calls: every speech turn an ops user corrected, with the
 * caller's audio of that turn (what the recogniser heard).
 *
 *   npm run asr:export -- --out DIR [--since 2026-11-01] [--url http://host:port]
 *
 * Writes DIR/manifest.jsonl — one `{audio, text, callId, seq, heard}` per corrected turn whose audio
 * is still kept (`audio` relative to the manifest, `text` the correction, `heard` what the
 * recogniser said, `split` "heldout" for the one turn in five that adaptation leaves out and
 * promotion scores on) — and DIR/audio/*.wav. With --url it reads through a running service's API (admin
 * key from PASOKH_ADMIN_KEY), because an embedded database cannot be opened by two processes;
 * without it, it opens the configured database (DATABASE_URL / PASOKH_DATA_DIR) and recordings
 * directly. Turns whose audio is gone (retention, deletion) are counted and left out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { heldOutTurn, type CorrectedTurn } from '../src/store/corrections.js';
import { callFolder } from '../src/store/recordings/store.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    since: { type: 'string' },
    url: { type: 'string' },
  },
});
if (!values.out) {
  console.error('usage: npm run asr:export -- --out DIR [--since YYYY-MM-DD] [--url http://host:port]');
  process.exit(2);
}
if (values.since && Number.isNaN(Date.parse(values.since))) {
  console.error(`--since ${values.since}: expected a date such as 2026-11-01`);
  process.exit(2);
}

interface Source {
  corrected(): AsyncIterable<CorrectedTurn>;
  audio(callId: string, seq: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

async function apiSource(base: string, since: string | undefined): Promise<Source> {
  const key = process.env.PASOKH_ADMIN_KEY?.split(',')[0]?.trim();
  if (!key) throw new Error('--url needs the admin key in PASOKH_ADMIN_KEY');
  const get = async (path: string) => {
    const res = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${key}` } });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    async *corrected() {
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500', ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
        const res = await get(`/api/asr/corrections?${q}`);
        if (!res) throw new Error('the service has no /api/asr/corrections (an older version?)');
        const page = (await res.json()) as { turns: CorrectedTurn[]; nextCursor: string | null };
        yield* page.turns;
        cursor = page.nextCursor;
      } while (cursor);
    },
    async audio(callId, seq) {
      const res = await get(`/api/calls/${encodeURIComponent(callId)}/turns/${seq}/audio`);
      return res ? Buffer.from(await res.arrayBuffer()) : null;
    },
    close: async () => undefined,
  };
}

async function localSource(since: string | undefined): Promise<Source> {
  const { openDatabase } = await import('../src/store/db.js');
  const { RecordingStore } = await import('../src/store/recordings/store.js');
  const { listCorrectedTurns } = await import('../src/store/corrections.js');
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'db') });
  const store = await RecordingStore.open({
    dir: join(config.dataDir, 'recordings'),
    retentionDays: config.recordings.retentionDays,
    maxTotalBytes: Number.MAX_SAFE_INTEGER,
  });
  return {
    async *corrected() {
      let after: { at: Date; callId: string; seq: number } | undefined;
      for (;;) {
        const rows = await listCorrectedTurns(database.db, { since: since ? new Date(since) : undefined, after, limit: 500 });
        yield* rows;
        if (rows.length < 500) return;
        const last = rows[rows.length - 1];
        after = { at: new Date(last.correctedAt), callId: last.callId, seq: last.seq };
      }
    },
    audio: (callId, seq) => store.turnAudio(callId, seq),
    close: () => database.close(),
  };
}

const out = resolve(values.out);
mkdirSync(join(out, 'audio'), { recursive: true });
const source = values.url ? await apiSource(values.url, values.since) : await localSource(values.since);
const lines: string[] = [];
let missing = 0;
let seconds = 0;
try {
  for await (const turn of source.corrected()) {
    const wav = await source.audio(turn.callId, turn.seq);
    if (!wav) {
      missing++;
      continue;
    }
    const name = `audio/${callFolder(turn.callId)}-${turn.seq}.wav`;
    writeFileSync(join(out, name), wav, { mode: 0o600 });
    seconds += (wav.length - 44) / (2 * (wav.readUInt32LE(24) || 8000));
    const split = heldOutTurn(turn.callId, turn.seq) ? 'heldout' : 'train';
    lines.push(JSON.stringify({ audio: name, text: turn.text, callId: turn.callId, seq: turn.seq, heard: turn.heard, split }));
  }
} finally {
  await source.close();
}
writeFileSync(join(out, 'manifest.jsonl'), lines.map((l) => l + '\n').join(''));
console.error(`${lines.length} corrected turns (${seconds.toFixed(1)} s of audio) → ${join(out, 'manifest.jsonl')}${missing ? `; ${missing} without audio left out` : ''}`);
console.log(JSON.stringify({ turns: lines.length, seconds: Number(seconds.toFixed(1)), missingAudio: missing, manifest: join(out, 'manifest.jsonl') }));
