/**
 * What an engine answers when /readyz asks: `ready` decides whether this instance should get
 * calls; `detail` tells an operator what was checked or what is wrong.
 */
export interface EngineReadiness {
  ready: boolean;
  detail: string;
}

/** Anything that can be asked (ASR and TTS engines, the NLU provider, the VAD). */
export interface ReadinessProbe {
  readiness?(): Promise<EngineReadiness>;
}

/**
 * Asks `probe` within `timeoutMs` (an engine that cannot answer in time is not ready). An engine
 * without a check of its own (a test double, a plug-in) is taken at its word: ready.
 */
export async function askReadiness(probe: ReadinessProbe, timeoutMs = 2000): Promise<EngineReadiness> {
  if (!probe.readiness) return { ready: true, detail: 'no readiness check' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<EngineReadiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([
      probe.readiness().catch((err: unknown): EngineReadiness => ({ ready: false, detail: err instanceof Error ? err.message : String(err) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /readyz is unauthenticated and load balancers poll it: a check that does real work (a tiny
 * recognition, a round trip to a worker or a server) runs at most once per `ttlMs`, and callers
 * arriving meanwhile share the running one.
 */
export function cachedProbe(check: () => Promise<EngineReadiness>, ttlMs = 2000, now: () => number = Date.now): () => Promise<EngineReadiness> {
  let last: { at: number; result: Promise<EngineReadiness> } | null = null;
  return () => {
    if (last && now() - last.at < ttlMs) return last.result;
    const result = check().catch((err: unknown): EngineReadiness => ({ ready: false, detail: err instanceof Error ? err.message : String(err) }));
    last = { at: now(), result };
    return result;
  };
}

/**
 * A remote engine with a local one behind it: calls go on with the local engine when the remote
 * one is down, so the instance is ready when the local engine is; the remote's state is reported.
 */
export async function fallbackReadiness(remote: ReadinessProbe, local: ReadinessProbe, circuitOpen: boolean): Promise<EngineReadiness> {
  const [r, l] = await Promise.all([
    circuitOpen ? Promise.resolve({ ready: false, detail: 'failed recently; calls use the local engine' }) : askReadiness(remote, 1500),
    askReadiness(local),
  ]);
  return { ready: l.ready, detail: `remote: ${r.ready ? 'ready' : 'NOT ready'} (${r.detail}); local: ${l.ready ? 'ready' : 'NOT ready'} (${l.detail})` };
}
