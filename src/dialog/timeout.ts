import { engineDeadline } from '../engines/deadline.js';

/**
 * Kept for the one caller not yet moved to src/engines/deadline.ts (dialog/listener.ts, being
 * edited by another change): rejects with EngineTimeoutError when `promise` takes longer than `ms`.
 */
export const withTimeout = <T>(promise: Promise<T>, ms: number, engine: string): Promise<T> => engineDeadline(promise, ms, engine);
