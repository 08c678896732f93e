import { existsSync, mkdirSync, statSync } from 'node:fs';
import { appendFile, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseEntry, type RecorderEntry } from './entries.js';

/**
 * The recorder's overflow queue on disk: a JSONL file holding, in order, entries that did not fit
 * in memory (or were still unwritten when the process closed). Everything on disk is younger than
 * everything in memory, so the recorder appends here once it has started spilling and reads back
 * from the front only when memory is empty. A read offset avoids rewriting the file per batch;
 * it is not persisted, so a crash replays some lines twice, which the idempotent writes absorb.
 */
export class SpillJournal {
  private buffered: string[] = [];
  private readOffset = 0;
  private fileBytes = 0;
  /** All file operations run one after another, so reads never see a half-done append. */
  private ops: Promise<unknown> = Promise.resolve();
  private writeScheduled = false;
  skippedLines = 0;

  constructor(readonly path: string, private readonly onError: (err: unknown) => void) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) this.fileBytes = statSync(path).size;
  }

  /** True while anything is waiting on disk or in the append buffer. */
  get pending(): boolean {
    return this.buffered.length > 0 || this.readOffset < this.fileBytes;
  }

  /** Queues one entry for appending; the write happens on the next tick, off the caller's path. */
  append(entry: RecorderEntry): void {
    this.buffered.push(JSON.stringify(entry) + '\n');
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    this.chain(async () => {
      this.writeScheduled = false;
      await this.writeBuffered();
    });
  }

  /** Reads up to `max` entries from the front; they stay on disk until the file is drained. */
  readBatch(max: number): Promise<RecorderEntry[]> {
    return this.chain(async () => {
      await this.writeBuffered();
      const out: RecorderEntry[] = [];
      if (this.readOffset >= this.fileBytes) return out;
      const handle = await open(this.path, 'r');
      try {
        while (out.length < max && this.readOffset < this.fileBytes) {
          const size = Math.min(1 << 20, this.fileBytes - this.readOffset);
          const buf = Buffer.alloc(size);
          const { bytesRead } = await handle.read(buf, 0, size, this.readOffset);
          if (bytesRead === 0) break;
          let start = 0;
          let consumedAny = false;
          while (out.length < max) {
            const nl = buf.indexOf(0x0a, start);
            if (nl < 0 || nl >= bytesRead) break;
            const line = buf.subarray(start, nl).toString('utf8');
            start = nl + 1;
            consumedAny = true;
            if (!line.trim()) continue;
            const entry = parseEntry(line);
            if (entry) out.push(entry);
            else this.skippedLines++;
          }
          if (!consumedAny) {
            // No newline in the rest of the file: a torn last line from a crash. Skip it.
            if (this.readOffset + bytesRead >= this.fileBytes) {
              this.skippedLines++;
              this.readOffset = this.fileBytes;
              break;
            }
            // A single line longer than the read window: grow is not worth it; skip the line.
            const nextNl = await findNewline(handle, this.readOffset + bytesRead, this.fileBytes);
            this.skippedLines++;
            this.readOffset = nextNl < 0 ? this.fileBytes : nextNl + 1;
            continue;
          }
          this.readOffset += start;
        }
      } finally {
        await handle.close();
      }
      if (this.readOffset >= this.fileBytes && this.buffered.length === 0) await this.reset();
      return out;
    });
  }

  /**
   * Puts `head` (entries that were in memory, older than anything here) in front of whatever is
   * still unread, atomically, so a restart replays everything in order. With `headInMemory` the
   * head counts as already read (the caller keeps writing it from memory); the file is only its
   * insurance against a crash.
   */
  persistWithHead(head: RecorderEntry[], headInMemory = false): Promise<number> {
    return this.chain(async () => {
      await this.writeBuffered();
      const rest: RecorderEntry[] = [];
      if (this.readOffset < this.fileBytes) {
        const text = (await readFile(this.path)).subarray(this.readOffset).toString('utf8');
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          const e = parseEntry(line);
          if (e) rest.push(e);
        }
      }
      const all = [...head, ...rest];
      if (all.length === 0) {
        await this.reset();
        return 0;
      }
      const tmp = `${this.path}.tmp`;
      const headText = head.map((e) => JSON.stringify(e) + '\n').join('');
      const text = headText + rest.map((e) => JSON.stringify(e) + '\n').join('');
      await writeFile(tmp, text);
      await rename(tmp, this.path);
      this.readOffset = headInMemory ? Buffer.byteLength(headText) : 0;
      this.fileBytes = Buffer.byteLength(text);
      return all.length;
    });
  }

  /** Removes the file once every line in it has been read (and, by the caller, written). */
  discardIfDrained(): Promise<void> {
    return this.chain(async () => {
      if (this.buffered.length === 0 && this.readOffset >= this.fileBytes && this.fileBytes > 0) await this.reset();
    });
  }

  /** Waits for pending appends to reach the file. */
  settle(): Promise<void> {
    return this.chain(() => this.writeBuffered());
  }

  private async writeBuffered(): Promise<void> {
    if (this.buffered.length === 0) return;
    const text = this.buffered.join('');
    const count = this.buffered.length;
    await appendFile(this.path, text);
    this.buffered.splice(0, count);
    this.fileBytes += Buffer.byteLength(text);
  }

  private async reset(): Promise<void> {
    this.readOffset = 0;
    this.fileBytes = 0;
    await unlink(this.path).catch(() => {});
  }

  private chain<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op);
    // A failed disk operation must not wedge the chain; the caller sees the error, the next op runs.
    this.ops = next.catch((err) => this.onError(err));
    return next;
  }
}

async function findNewline(handle: FileHandle, from: number, end: number): Promise<number> {
  const buf = Buffer.alloc(1 << 16);
  for (let pos = from; pos < end; pos += buf.length) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, end - pos), pos);
    const i = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (i >= 0) return pos + i;
    if (bytesRead === 0) break;
  }
  return -1;
}
