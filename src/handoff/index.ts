/** The human hand-off: queue (ACD), the caller's wait, transfers, the agent desk and queue KPIs. */
export { createHandoffService, type HandoffRuntime, type HandoffServiceDeps, type Logger } from './service.js';
export { createDeskRoutes, wrapUpCodes, type DeskDeps } from './desk/routes.js';
export { attachDeskSocket, type DeskSocketDeps } from './desk/socket.js';
export { createQueueRoutes, createAgentRoutes, type QueueRoutesDeps } from './queue-routes.js';
export { queueKpis, type QueueKpis } from './kpis.js';
export { performTransfer, type TransferContext, type TransferResult } from './transfer.js';
export type { HandoffOutcome, HandoffRequest, HandoffService, TranscriptLine } from './types.js';
export { registerQueueMetrics } from './metrics.js';
