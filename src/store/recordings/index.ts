import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { AsrEngine } from '../../engines/asr/types.js';
import type { CallChannel } from '../../telephony/types.js';
import type { CallRecorder } from '../types.js';
import { RecordingStore, type RecordingLogger } from './store.js';
import { recordWholeCall, tapCallForRecordings } from './tap.js';

export { RecordingStore, callFolder } from './store.js';
export type { RecordingStats, CallAudioWriter } from './store.js';
export { recordingsConfigSchema, recordingsDefaults, type RecordingsConfig } from './config.js';

/**
 * The service's recording store under `dataDir/recordings`, with its purge job running. Opened even
 * when recording is off, so that retention and deletion still apply to what was kept before.
 */
export async function openRecordings(config: Config, logger?: RecordingLogger): Promise<RecordingStore> {
  const store = await RecordingStore.open({
    dir: join(config.dataDir, 'recordings'),
    retentionDays: config.recordings.retentionDays,
    maxTotalBytes: config.recordings.maxTotalMb * 1024 * 1024,
    logger,
  });
  store.startPurgeJob(config.recordings.purgeIntervalMinutes * 60_000);
  return store;
}

/** The recogniser and recorder one call's session should use, tapped for recordings when they are on. */
export function tapCall(
  store: RecordingStore,
  config: Config,
  channel: CallChannel,
  deps: { asr: AsrEngine; recorder: CallRecorder },
): { asr: AsrEngine; recorder: CallRecorder; ended(): void } {
  if (!config.recordings.enabled) return { ...deps, ended: () => undefined };
  const tapped = tapCallForRecordings(store, channel.info.callId, deps);
  const endWholeCall = config.recordings.wholeCall ? recordWholeCall(store, channel) : null;
  return { ...tapped, ended: () => endWholeCall?.() };
}
