import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { CallIO } from '../dialog/types.js';
import type { Logger as ServiceLogger } from '../logger.js';
import type { Database } from '../store/db.js';
import { AgentStore } from './agents.js';
import type { TransferTarget } from './config.js';
import { availability, whenOpens } from './hours.js';
import { closedAnnouncement, handoffPhrases } from './phrases.js';
import { QueueConflict, QueueStore, type QueueEntry } from './store.js';
import { performTransfer, type TransferContext } from './transfer.js';
import type { HandoffOutcome, HandoffRequest, HandoffService } from './types.js';
import { QueueWait } from './wait.js';
import { QueueWorker } from './worker.js';

/** The slice of pino the queue uses. */
/** The hand-off service logs through the service's Logger (debug is not used here). */
export type Logger = Pick<ServiceLogger, 'info' | 'warn' | 'error'>;

export interface HandoffServiceDeps {
  database: Database;
  config: Config;
  logger?: Logger;
  /** Names this process in offers and entries (diagnostics); random by default. */
  instanceId?: string;
  /** Outbound HTTP for transfers (tests may pass their own; msw intercepts the global one). */
  fetch?: typeof fetch;
  /**
   * Re-read interval of an entry while its caller waits in silence (default 5 s): only the safety
   * net, since every `changed` event (this instance's or, through LISTEN/NOTIFY, another's) re-reads it at once.
   */
  pollMs?: number;
  /** Silence after the call-back offer and number prompts (default config.audio.noInputTimeoutMs). */
  replyTimeoutMs?: number;
  /** Seconds before an agent who declined a call may be offered it again (default 60). */
  reofferAfterSeconds?: number;
  /** false: do not run the routing loop in this process (another instance routes). */
  route?: boolean;
  /** The clock business hours and the maximum wait are read on (tests pass a fake one). */
  now?: () => Date;
}

export interface HandoffRuntime extends HandoffService {
  readonly instanceId: string;
  readonly queue: QueueStore;
  readonly agents: AgentStore;
  readonly worker: QueueWorker;
  readonly config: Config;
  readonly database: Database;
  /** 'changed' fires whenever this process changes the queue (desk sockets push right away). */
  readonly events: EventEmitter;
  /** Queues from config are in the database. */
  ready(): Promise<void>;
  /** Agent takes the offered call: the entry is connected and, if configured, the audio bridged. */
  accept(entryId: string, agentId: string): Promise<QueueEntry>;
  decline(entryId: string, agentId: string): Promise<QueueEntry>;
  endCall(entryId: string, agentId: string): Promise<QueueEntry>;
  wrapUp(entryId: string, agentId: string, code: string, notes: string | null): Promise<QueueEntry>;
  targetFor(queue: string): TransferTarget;
  close(): Promise<void>;
}

export function createHandoffService(deps: HandoffServiceDeps): HandoffRuntime {
  const { database, config, logger } = deps;
  const hc = config.handoff;
  const instanceId = deps.instanceId ?? `pasokh-${randomUUID().slice(0, 8)}`;
  const queue = new QueueStore(database, deps.reofferAfterSeconds ?? 60);
  const agents = new AgentStore(database, queue);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = () => events.emit('changed');
  const fetchFn = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const worker = new QueueWorker(queue, {
    instanceId,
    intervalMs: hc.routeIntervalMs,
    offerTimeoutSeconds: hc.offerTimeoutSeconds,
    logger,
    onChange: changed,
  });
  const active = new Set<Promise<unknown>>();
  let closed = false;

  const readyPromise = queue.syncQueues(hc.queues, hc.defaultQueue).then(() => {
    if (deps.route !== false && !closed) worker.start();
  });
  readyPromise.catch((err) => logger?.error({ err: (err as Error).message }, 'handoff: cannot sync queues'));

  const targetFor = (name: string): TransferTarget => hc.queues[name]?.transfer ?? hc.transfer;
  const contextOf = (entry: QueueEntry, agent?: { id: string; extension: string | null }): TransferContext => ({
    callId: entry.callId,
    providerCallId: entry.providerCallId,
    protocol: entry.protocol,
    queue: entry.queue,
    callerNumber: entry.callerNumber,
    agentId: agent?.id ?? null,
    agentExtension: agent?.extension ?? null,
  });

  const now = deps.now ?? (() => new Date());
  const hoursOf = (name: string) => (hc.queues[name]?.hours !== undefined ? hc.queues[name].hours! : hc.hours);
  const openNow = (name: string) => availability(now(), hoursOf(name), hc.holidays, config.timezone);
  const waitFor = (entry: QueueEntry, io: CallIO) =>
    new QueueWait(queue, entry.id, entry.queue, io, {
      waitUpdateSeconds: hc.waitUpdateSeconds,
      callbackOffer: hc.callbackOffer,
      holdMessages: hc.holdMessages,
      defaultHandleSeconds: hc.defaultHandleSeconds,
      pollMs: deps.pollMs ?? 5000,
      changes: (wake) => {
        events.on('changed', wake);
        return () => events.off('changed', wake);
      },
      replyTimeoutMs: deps.replyTimeoutMs ?? config.audio.noInputTimeoutMs,
      isClosed: () => closed,
      maxWaitSeconds: hc.queues[entry.queue]?.maxWaitSeconds !== undefined ? hc.queues[entry.queue].maxWaitSeconds : hc.maxWaitSeconds,
      now: () => now().getTime(),
    });

  /** The queue to join: the asked one, or its overflow when that is open and staffed and this one is not. */
  async function chooseQueue(name: string, io: CallIO): Promise<string> {
    const overflow = hc.queues[name]?.overflow;
    if (!overflow || overflow === name) return name;
    const unstaffed = !openNow(name).open ? 'closed' : (await queue.agentsOnDuty(name)) === 0 ? 'nobody-signed-in' : null;
    if (!unstaffed || !openNow(overflow).open || (await queue.agentsOnDuty(overflow)) === 0) return name;
    io.note('handoff.overflow', { from: name, to: overflow, reason: unstaffed });
    return overflow;
  }

  async function handle(request: HandoffRequest, io: CallIO): Promise<HandoffOutcome> {
    if (closed) return { kind: 'failed', error: 'hand-off service is shutting down' };
    await readyPromise;
    const queueName = await chooseQueue(request.queue, io);
    const hours = openNow(queueName);
    const entry = await queue.enqueue(queueName === request.queue ? request : { ...request, queue: queueName }, instanceId);
    io.note('handoff.enqueued', { entryId: entry.id, queue: entry.queue, reason: entry.reason });
    logger?.info({ callId: request.callId, entryId: entry.id, queue: entry.queue }, 'handoff: enqueued');
    changed();

    if (!hours.open) {
      // Nobody will answer tonight: say so plainly, offer a call-back for the morning or a message.
      io.note('handoff.closed', { entryId: entry.id, queue: entry.queue, reason: hours.reason, nextOpen: hours.nextOpen?.toISOString() ?? null });
      const when = hours.nextOpen ? whenOpens(now(), hours.nextOpen, config.timezone) : null;
      const outcome = await waitFor(entry, io).offerInstead(closedAnnouncement(hours.reason, when), handoffPhrases.callbackNotTaken);
      if (outcome) {
        changed();
        return outcome;
      }
      if (!(await queue.withdraw(entry.id))) return waitFor(entry, io).run(); // an agent took it meanwhile
      changed();
      io.note('handoff.declined', { entryId: entry.id });
      return { kind: 'declined' };
    }
    void worker.tick();

    const target = targetFor(entry.queue);
    if (target.kind !== 'desk') {
      // Blind transfer to the provider's / PBX's own queue; on failure the caller waits for the desk.
      await io.say(handoffPhrases.transferring);
      const result = await performTransfer(target, contextOf(entry), fetchFn);
      if (result.ok) {
        await queue.markTransferred(entry.id, result.target);
        io.note('handoff.transferred', { entryId: entry.id, target: result.target });
        changed();
        return { kind: 'transferred', target: result.target };
      }
      await queue.recordTransfer(entry.id, result.target, result.error);
      io.note('handoff.transfer_failed', { entryId: entry.id, target: result.target, error: result.error });
      logger?.warn({ entryId: entry.id, error: result.error }, 'handoff: transfer failed, waiting for the desk');
    }

    const outcome = await waitFor(entry, io).run();
    changed();
    return outcome;
  }

  async function accept(entryId: string, agentId: string): Promise<QueueEntry> {
    const entry = await queue.accept(entryId, agentId);
    const target = targetFor(entry.queue);
    // A call-back task has no caller on the line to bridge: the agent dials the number themselves.
    if (!(target.kind === 'desk' && target.connect && !entry.callbackNumber)) {
      changed();
      return entry;
    }
    // Announced once the bridge is recorded (or undone): a waiting caller woken by the accept alone
    // would find no transfer yet and talk over the agent.
    try {
      // Bridge the audio to the agent's own handset. Done by whichever instance took the click,
      // so it works even when the instance holding the caller's media has died.
      const agent = await agents.get(agentId);
      const result = await performTransfer(target.connect, contextOf(entry, agent ?? undefined), fetchFn);
      if (!result.ok) {
        await queue.revertAccept(entryId, agentId, result.error);
        throw new QueueConflict(`Could not connect the call: ${result.error}`);
      }
      await queue.recordTransfer(entryId, result.target, null);
      return (await queue.get(entryId))!;
    } finally {
      changed();
    }
  }

  const after = <T>(p: Promise<T>) =>
    p.then((v) => {
      changed();
      void worker.tick();
      return v;
    });

  const tracked = (request: HandoffRequest, io: CallIO): Promise<HandoffOutcome> => {
    const p = handle(request, io).catch((err): HandoffOutcome => {
      logger?.error({ callId: request.callId, err: (err as Error).message }, 'handoff failed');
      return { kind: 'failed', error: (err as Error).message };
    });
    active.add(p);
    void p.finally(() => active.delete(p));
    return p;
  };

  return {
    instanceId,
    queue,
    agents,
    worker,
    config,
    database,
    events,
    ready: () => readyPromise,
    handle: tracked,
    accept,
    decline: (e, a) => after(queue.decline(e, a)),
    endCall: (e, a) => after(queue.endCall(e, a)),
    wrapUp: (e, a, code, notes) => after(queue.wrapUp(e, a, code, notes)),
    targetFor,
    async close() {
      closed = true;
      await readyPromise.catch(() => {});
      await worker.stop();
      // Waiting callers' entries stay in the database; another instance will serve them. Their
      // wait loops notice `closed` at their next poll and return.
      await Promise.race([Promise.allSettled([...active]), new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}
