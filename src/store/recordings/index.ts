import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { AsrEngine } from '../../engines/asr/types.js';
import type { CallChannel } from '../../telephony/types.js';
import type { CallRecorder } from '../types.js';
import { RecordingStore, type RecordingLogger } from './store.js';
import { recordWholeCall } from './line.js';
import { tapCallForRecordings } from './tap.js';

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

/**
 * The channel, recogniser and recorder one call's session should use, tapped for recordings when
 * they are on (the channel only for the whole-call file: it hears what the bot plays).
 */
export function tapCall(
  store: RecordingStore,
  config: Config,
  channel: CallChannel,
  deps: { asr: AsrEngine; recorder: CallRecorder },
): { channel: CallChannel; asr: AsrEngine; recorder: CallRecorder; ended(): void } {
  const callId = channel.info.callId;
  // Which recogniser heard the call: after a promotion, new calls name the new model.
  const modelDir = (deps.asr as { modelDir?: string }).modelDir;
  const recorder: CallRecorder = {
    ...deps.recorder,
    callStarted(call) {
      deps.recorder.callStarted(call);
      deps.recorder.event({ callId, at: new Date(), type: 'asr-model', data: { engine: deps.asr.name, ...(modelDir ? { modelDir } : {}) } });
    },
    turn: (t) => deps.recorder.turn(t),
    event: (e) => deps.recorder.event(e),
    callEnded: (e) => deps.recorder.callEnded(e),
    flush: (ms) => deps.recorder.flush(ms),
  };
  if (!config.recordings.enabled) return { channel, asr: deps.asr, recorder, ended: () => undefined };
  const tapped = tapCallForRecordings(store, callId, { asr: deps.asr, recorder });
  if (!config.recordings.wholeCall) return { channel, ...tapped, ended: () => undefined };
  const whole = recordWholeCall(store, channel);
  return { channel: whole.channel, ...tapped, ended: whole.end };
}
