import type { Config } from '../../config/schema.js';
import type { KbSnapshot, KnowledgeBase } from '../../knowledge/types.js';
import { createNluEngine, createNluEngineAsync, type NluEngineOptions } from './engine.js';
import { qualityReport, type QualityReport } from './quality.js';
import type { NluEngine, NluProvider } from './types.js';
import type { EngineReadiness } from '../readiness.js';

export interface NluProviderOptions extends NluEngineOptions {
  /**
   * Knowledge bases with at least this many phrasings retrain in slices of a few milliseconds:
   * the previous version keeps answering until the new one is ready (under a second at 5,000
   * phrasings) and the audio of calls in progress never waits for training. Smaller ones retrain
   * in one go inside the change notification. Default 0: always in slices. `ready()` tells when
   * the new version is live (the FAQ routes wait for it before they answer an import).
   */
  asyncFrom?: number;
  onError?: (err: unknown) => void;
}

export interface ManagedNluProvider extends NluProvider {
  /** Resolves when the engine for the knowledge base's current version is live. */
  ready(): Promise<void>;
  /** /readyz: the live engine parses a request (what every turn does) and which version it serves. */
  readiness(): Promise<EngineReadiness>;
  /** The live engine's fit to its knowledge base, for ops (null: the model fits nothing). */
  quality(): QualityReport | null;
  close(): void;
}

/**
 * The NLU settings of the configuration. The dialog offers up to `nlu.maxChoices` FAQs when it
 * asks which one was meant, picked from the NLU's alternatives: there must be at least that many
 * (never fewer than the engine's usual 3, which the confidence ranking was tuned with).
 */
export function nluOptionsFromConfig(config: Config): NluProviderOptions {
  return { threshold: config.nlu.threshold, alternatives: Math.max(3, config.nlu.maxChoices), timeZone: config.timezone };
}

const phrasings = (s: KbSnapshot) => s.faqs.reduce((n, f) => n + (f.enabled ? 1 + f.examples.length : 0), 0);

/**
 * Keeps an NLU built for the live knowledge-base version. The new engine replaces the old one in
 * one assignment: a turn that already holds an engine finishes with it.
 */
export function createNluProvider(kb: KnowledgeBase, options: NluProviderOptions = {}): ManagedNluProvider {
  const asyncFrom = options.asyncFrom ?? 0;
  const onError = options.onError ?? ((e: unknown) => console.error('nlu rebuild failed:', e));
  let engine: NluEngine = createNluEngine(kb.current(), options);
  let builtFor = kb.current().version;
  let builtSnapshot = kb.current();
  let wanted = builtFor;
  let building: Promise<void> | null = null;
  let closed = false;

  const install = (version: number, next: NluEngine) => {
    // Builds can finish out of order; never go back to an older version.
    if (version <= builtFor) return;
    engine = next;
    builtFor = version;
  };
  const installSnapshot = (snapshot: KbSnapshot, next: NluEngine) => {
    if (snapshot.version <= builtFor) return;
    builtSnapshot = snapshot;
    install(snapshot.version, next);
  };

  const rebuild = (snapshot: KbSnapshot) => {
    if (snapshot.version <= wanted) return;
    wanted = snapshot.version;
    if (phrasings(snapshot) < asyncFrom) {
      try {
        installSnapshot(snapshot, createNluEngine(snapshot, options));
      } catch (err) {
        // Keep answering with the previous version rather than not at all.
        onError(err);
      }
      return;
    }
    const run = createNluEngineAsync(snapshot, options).then(
      (next) => {
        if (!closed) installSnapshot(snapshot, next);
      },
      (err) => onError(err),
    );
    const tracked: Promise<void> = run.finally(() => {
      if (building === tracked) building = null;
    });
    building = tracked;
  };

  const unsubscribe = kb.onChange(rebuild);
  return {
    current() {
      // A change this provider did not hear about (registered late) still gets built.
      const snapshot = kb.current();
      if (snapshot.version > wanted) rebuild(snapshot);
      return engine;
    },
    async ready() {
      const snapshot = kb.current();
      if (snapshot.version > wanted) rebuild(snapshot);
      while (building) await building;
    },
    async readiness() {
      if (closed) return { ready: false, detail: 'NLU is closed' };
      const live = this.current();
      live.parse('اینترنت');
      const faqs = kb.current().faqs.filter((f) => f.enabled).length;
      return { ready: true, detail: `${live.name} for knowledge-base version ${builtFor} (${faqs} FAQs enabled${wanted > builtFor ? `; version ${wanted} in training` : ''})` };
    },
    quality() {
      return engine.fit ? qualityReport(engine.fit, builtSnapshot) : null;
    },
    close() {
      closed = true;
      unsubscribe();
    },
  };
}
