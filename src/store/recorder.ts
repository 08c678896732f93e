import { maskPersonalNumbers } from '../text/mask.js';
import type { Database } from './db.js';
import { BufferedCallRecorder, type RecorderLogger } from './recorder/recorder.js';

export { BufferedCallRecorder } from './recorder/recorder.js';
export type { BufferedCallRecorderOptions, RecorderLogger, RecorderStats } from './recorder/recorder.js';
export { JOURNAL_FILE, DEAD_LETTER_FILE } from './recorder/recorder.js';

export interface CreateCallRecorderOptions {
  database: Database;
  /** Where the spill journal lives (normally `config.dataDir`). */
  dataDir?: string;
  /**
   * `config.privacy.maskNumbers` (default true): phone, national-ID and card numbers in heard/bot
   * text and event data are masked before they are queued, journaled or stored.
   */
  maskNumbers?: boolean;
  logger?: RecorderLogger;
}

/** The call path's recorder for the service: buffered, retried, journaled. Close it on shutdown. */
export function createCallRecorder(options: CreateCallRecorderOptions): BufferedCallRecorder {
  return new BufferedCallRecorder({
    database: options.database,
    dataDir: options.dataDir,
    mask: options.maskNumbers === false ? null : maskPersonalNumbers,
    logger: options.logger,
  });
}
