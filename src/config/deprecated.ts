/**
 * Keys an older site config may still carry. Each is read as its replacement, with one warning
 * line, rather than refused: an upgrade must not stop a site whose config file nobody has touched,
 * and the value it carries is still the operator's intent.
 */

type Raw = Record<string, any>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `dialog.engineTimeoutMs` (the dialog's own wait for first audio) and `tts.timeoutMs` (the
 * engine's) were two knobs for one deadline; `tts.timeoutMs` is the one left, and the dialog's
 * bound is derived from it (engines/tts/fallback.ts, firstAudioBoundMs). The old value becomes
 * `tts.timeoutMs` unless that is set too, in which case the new key wins.
 */
export function migrateDeprecatedKeys(raw: Raw, warn: (message: string) => void): Raw {
  const dialog = raw.dialog;
  if (!isObject(dialog) || !('engineTimeoutMs' in dialog)) return raw;
  const { engineTimeoutMs, ...restOfDialog } = dialog;
  const tts = isObject(raw.tts) ? raw.tts : {};
  if (tts.timeoutMs !== undefined) {
    warn(`dialog.engineTimeoutMs is no longer read and is ignored: tts.timeoutMs (${JSON.stringify(tts.timeoutMs)}) is the one first-audio deadline; remove dialog.engineTimeoutMs`);
    return { ...raw, dialog: restOfDialog };
  }
  warn(`dialog.engineTimeoutMs is deprecated: read as tts.timeoutMs = ${JSON.stringify(engineTimeoutMs)}, the one first-audio deadline; move it there`);
  return { ...raw, dialog: restOfDialog, tts: { ...tts, timeoutMs: engineTimeoutMs } };
}

const warned = new Set<string>();

/** Warns once per process per message (tests and tools load the config many times), on stderr: no logger exists yet. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { type: 'DeprecationWarning', code: 'PASOKH_CONFIG_DEPRECATED' });
}
