import type { EventEmitter } from 'node:events';
import type { Database } from './db.js';

/** The channel every instance on one database listens on. */
export const CLUSTER_CHANNEL = 'pasokh_changes';

/** What one NOTIFY says: which instance changed what (a hint to re-read, never the change itself). */
interface Message {
  from: string;
  topic: 'handoff' | 'knowledge';
  version?: number;
}

/** The second argument of a `changed` event that came from another instance (not re-announced). */
export const REMOTE = Symbol('remote change');

export interface ClusterLinks {
  instanceId: string;
  /** The hand-off queue: `changed` events are announced; a remote change routes now and refreshes desks. */
  handoff?: { events: EventEmitter; worker: { tick(): Promise<void> } };
  /** The knowledge base: a new live version is announced; a remote one is loaded at once. */
  knowledge?: { refresh(): Promise<boolean>; onChange(listener: (s: { version: number }) => void): () => void };
  onError?: (err: unknown) => void;
}

/**
 * Tells the other instances on the same database, through PostgreSQL's LISTEN/NOTIFY, that this one
 * changed the queue or the live knowledge-base version, so that they act on it at once instead of
 * at their next poll: a caller enqueued on one instance is offered by every router, a desk on
 * another instance rings, a FAQ upload is live everywhere. The pollers stay as they were, as the
 * safety net for a notification lost while the listening connection was down.
 *
 * Queue changes come in bursts (one per offer, accept, wrap-up…); they are announced at most once
 * per `coalesceMs`, since the receivers re-read everything anyway.
 */
export async function linkInstances(database: Database, links: ClusterLinks, coalesceMs = 10): Promise<() => Promise<void>> {
  const { instanceId, handoff, knowledge, onError } = links;
  const send = (m: Omit<Message, 'from'>) => void database.notify(CLUSTER_CHANNEL, JSON.stringify({ ...m, from: instanceId })).catch((err) => onError?.(err));

  /** The knowledge version last loaded because another instance announced it (not announced back). */
  let remoteVersion = -1;
  const onMessage = (payload: string) => {
    let m: Message | null = null;
    try {
      m = payload ? (JSON.parse(payload) as Message) : null;
    } catch {
      return;
    }
    if (m?.from === instanceId) return;
    // An empty payload: the listener reconnected and may have missed anything; re-read both.
    if (!m || m.topic === 'handoff') {
      handoff?.events.emit('changed', REMOTE);
      void handoff?.worker.tick();
    }
    if (!m || m.topic === 'knowledge') {
      if (typeof m?.version === 'number') remoteVersion = m.version;
      knowledge?.refresh().catch((err) => onError?.(err));
    }
  };
  const stopListening = await database.listen(CLUSTER_CHANNEL, onMessage);

  let pending: NodeJS.Timeout | null = null;
  const onQueueChanged = (origin?: unknown) => {
    if (origin === REMOTE || pending) return;
    pending = setTimeout(() => {
      pending = null;
      send({ topic: 'handoff' });
    }, coalesceMs);
  };
  handoff?.events.on('changed', onQueueChanged);
  const stopKnowledge = knowledge?.onChange((s) => {
    if (s.version !== remoteVersion) send({ topic: 'knowledge', version: s.version });
  });

  return async () => {
    handoff?.events.off('changed', onQueueChanged);
    if (pending) clearTimeout(pending);
    stopKnowledge?.();
    await stopListening();
  };
}
