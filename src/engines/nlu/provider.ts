import type { KbSnapshot, KnowledgeBase } from '../../knowledge/types.js';
import { createNluEngine, type NluEngineOptions } from './engine.js';
import type { NluEngine, NluProvider } from './types.js';

export interface NluProviderOptions extends NluEngineOptions {
  onError?: (err: unknown) => void;
}

/**
 * Keeps an NLU built for the live knowledge-base version. Retraining happens in the change
 * listener, before the import that caused it returns, and the new engine replaces the old one in
 * one assignment: a turn that already holds an engine finishes with it.
 */
export function createNluProvider(kb: KnowledgeBase, options: NluProviderOptions = {}): NluProvider & { close(): void } {
  let engine: NluEngine = createNluEngine(kb.current(), options);
  let builtFor = kb.current().version;
  const rebuild = (snapshot: KbSnapshot) => {
    if (snapshot.version === builtFor) return;
    try {
      engine = createNluEngine(snapshot, options);
      builtFor = snapshot.version;
    } catch (err) {
      // Keep answering with the previous version rather than not at all.
      (options.onError ?? ((e) => console.error('nlu rebuild failed:', e)))(err);
    }
  };
  const unsubscribe = kb.onChange(rebuild);
  return {
    current() {
      // A listener registered after a change (or a missed one) must not leave a stale engine.
      const snapshot = kb.current();
      if (snapshot.version !== builtFor) rebuild(snapshot);
      return engine;
    },
    close: unsubscribe,
  };
}
