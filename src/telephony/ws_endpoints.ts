import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Config } from '../config/schema.js';
import { mediaTokenValid, requestToken } from './auth.js';
import { CLOSE, MediaConnection, type FrameTransport } from './channel.js';
import { silentLogger, type TelephonyLogger } from './logger.js';
import type { TelephonyMetrics } from './metrics.js';
import type { FrameSerializer } from './serializer.js';
import { AsteriskSerializer } from './serializers/asterisk.js';
import { RawSerializer } from './serializers/raw.js';
import { TwilioSerializer } from './serializers/twilio.js';
import { admitMediaUpgrade, countMediaAuth, type MediaAuthThrottle } from './upgrade-throttle.js';
import type { CallChannel, Protocol } from './types.js';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Anything that emits Node's 'upgrade' event: http.Server, https.Server, @hono/node-server's serve(). */
export interface UpgradeEmitter {
  on(event: 'upgrade', listener: UpgradeListener): unknown;
  off(event: 'upgrade', listener: UpgradeListener): unknown;
}

export interface MediaEndpointOptions {
  config: Config;
  onCall: (channel: CallChannel) => void;
  logger?: TelephonyLogger;
  metrics?: TelephonyMetrics;
  /** Override of the 15 s wait for a start message (tests). */
  startTimeoutMs?: number;
  /** Ping interval (default config.telephony.keepaliveMs); a peer that misses a ping is gone. */
  keepaliveMs?: number;
  /** Frames sent ahead of real time (default: config.telephony.paceLeadFrames, else the protocol's own). */
  leadFrames?: number;
  /** Counts wrong media tokens per client address; past the limit upgrades with a wrong token get 429. */
  authThrottle?: MediaAuthThrottle;
}

const truthy = (v: string | null) => v !== null && /^(1|true|yes)$/i.test(v);

export const MEDIA_PATHS: Record<string, { protocol: Protocol; serializer: (query: URLSearchParams) => FrameSerializer }> = {
  '/media/twilio': { protocol: 'twilio', serializer: () => new TwilioSerializer() },
  '/media/asterisk': { protocol: 'asterisk', serializer: (q) => new AsteriskSerializer({ answer: truthy(q.get('answer')) }) },
  '/media/raw': { protocol: 'raw', serializer: () => new RawSerializer() },
};

function bytesOf(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}

/**
 * Serve the media WebSockets on an existing HTTP server. Only upgrades to the three media paths are
 * touched; any other path is left to other 'upgrade' listeners (the agent desk has its own).
 */
export function attachMediaEndpoints(server: UpgradeEmitter, options: MediaEndpointOptions): { close(): Promise<void> } {
  const logger = options.logger ?? silentLogger;
  const { config } = options;
  const maxFrameBytes = config.telephony.maxFrameBytes;
  // Frames up to 4× the limit are read and then dropped (the call goes on); beyond that ws closes
  // the socket with 1009 before buffering the whole message.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes * 4, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return; // not ours to judge
    }
    const path = url.pathname.replace(/\/+$/, '');
    const route = MEDIA_PATHS[path];
    if (!route) return;
    socket.on('error', () => {}); // a reset during the handshake must not become an uncaught error
    const admitted = admitMediaUpgrade(options.authThrottle, config.security.mediaTokens, req, url, socket, () => options.metrics?.authRejected?.(route.protocol, 'throttled'));
    if (!admitted) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const remoteAddress = req.socket.remoteAddress ?? 'unknown';
      const queryToken = requestToken(req, url);
      const transport: FrameTransport = {
        send(frame) {
          if (ws.readyState !== ws.OPEN) return;
          if (frame.kind === 'text') ws.send(frame.text);
          else ws.send(frame.bytes, { binary: true });
        },
        get bufferedBytes() {
          return ws.bufferedAmount;
        },
        close(code, reason) {
          // Close reasons are capped at 123 bytes and may echo peer text: keep them short ASCII.
          const safe = reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, safe);
          // A peer that never answers the close handshake is cut off.
          setTimeout(() => ws.terminate(), 2000).unref();
        },
        remoteAddress,
      };
      const q = url.searchParams;
      const params: Record<string, string> = {};
      // token is a secret; from/to become CallInfo.from/to (and only there, where masking applies).
      for (const [k, v] of q) if (!['token', 'from', 'to'].includes(k) && k.length <= 64 && v.length <= 256) params[k] = v;
      const conn = new MediaConnection({
        serializer: route.serializer(q),
        transport,
        authorize: (protocolToken) => countMediaAuth(options.authThrottle, admitted.address, mediaTokenValid(config.security.mediaTokens, queryToken, protocolToken)),
        onCall: options.onCall,
        logger,
        metrics: options.metrics,
        maxFrameBytes,
        startTimeoutMs: options.startTimeoutMs,
        mediaGapMs: config.telephony.mediaGapMs,
        leadFrames: options.leadFrames ?? config.telephony.paceLeadFrames ?? undefined,
        extraInfo: { from: q.get('from'), to: q.get('to'), params },
      });
      // Liveness is the transport's job: a PBX may send no media for minutes while the caller is
      // quiet, so only an unanswered ping says the peer is gone (cable pulled, PBX crashed, NAT lost).
      let alive = true;
      const keepaliveMs = options.keepaliveMs ?? config.telephony.keepaliveMs;
      const keepalive = setInterval(() => {
        if (!alive) {
          logger.warn({ protocol: route.protocol, conn: conn.id, remote: remoteAddress }, `media peer gone: no answer to a ping within ${keepaliveMs} ms`);
          conn.handleClose(`peer gone (no answer to ping within ${keepaliveMs} ms)`);
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, keepaliveMs);
      keepalive.unref();
      ws.on('pong', () => (alive = true));
      ws.on('message', (data, isBinary) => {
        alive = true;
        conn.handleFrame(bytesOf(data), isBinary);
      });
      ws.on('error', (err) => {
        // ws reports protocol violations (bad UTF-8, oversize, bad opcodes) here, then closes.
        logger.warn({ protocol: route.protocol, conn: conn.id, remote: remoteAddress, err: err.message }, 'media socket error');
        if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') options.metrics?.frameDropped?.(route.protocol, 'oversize');
      });
      ws.on('close', (code, reason) => {
        clearInterval(keepalive);
        sockets.delete(ws);
        conn.handleClose(`socket closed (${code}${reason.length ? ` ${reason.toString().slice(0, 60)}` : ''})`);
      });
    });
  };

  server.on('upgrade', onUpgrade);

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of sockets) ws.close(CLOSE.normal, 'server shutting down');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          for (const ws of sockets) ws.terminate();
          resolve();
        }, 1000);
        t.unref();
        if (sockets.size === 0) {
          clearTimeout(t);
          resolve();
        }
        for (const ws of sockets) ws.once('close', () => sockets.size === 0 && (clearTimeout(t), resolve()));
      });
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
