import { createServer, type Socket } from 'node:net';
import { addressAllowed } from './auth.js';
import { MediaConnection, type FrameTransport } from './channel.js';
import { silentLogger, type TelephonyLogger } from './logger.js';
import type { TelephonyMetrics } from './metrics.js';
import { AudioSocketDeframer, AudioSocketSerializer } from './serializers/audiosocket.js';
import type { CallChannel } from './types.js';

export interface AudioSocketServerOptions {
  port: number;
  host?: string;
  /** Source addresses allowed to connect (config.security.audioSocketAllow); '*' allows any. */
  allow: readonly string[];
  onCall: (channel: CallChannel) => void;
  logger?: TelephonyLogger;
  metrics?: TelephonyMetrics;
  /** Largest accepted message (config.telephony.maxFrameBytes); AudioSocket itself caps at 65535. */
  maxFrameBytes?: number;
  /** Close connections that send no UUID within this time (default 10 s). */
  startTimeoutMs?: number;
  /** See config.telephony.mediaGapMs. */
  mediaGapMs?: number;
  /** TCP keep-alive delay (config.telephony.keepaliveMs): AudioSocket has no ping of its own. */
  keepaliveMs?: number;
  leadFrames?: number;
}

/**
 * Asterisk AudioSocket over TCP (`AudioSocket(uuid,host:port)` in the dialplan, or the AudioSocket
 * channel). There is no token in this protocol, so access is by source address only: keep the port
 * on a private network.
 */
export async function startAudioSocketServer(options: AudioSocketServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const logger = options.logger ?? silentLogger;
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    const remote = socket.remoteAddress;
    socket.on('error', (err) => logger.debug({ protocol: 'audiosocket', remote, err: err.message }, 'audiosocket error'));
    if (!addressAllowed(remote, options.allow)) {
      options.metrics?.authRejected?.('audiosocket', 'address_not_allowed');
      logger.warn({ protocol: 'audiosocket', remote }, 'AudioSocket connection refused: source address not in security.audioSocketAllow');
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    // AudioSocket has no ping: a peer that vanished without closing is found by TCP keep-alive
    // probes while the line is idle (libuv probes every second after the delay, 10 times), and by
    // bot audio that stops draining while we talk (below).
    socket.setKeepAlive(true, options.keepaliveMs ?? 4000);
    let closing = false;
    const transport: FrameTransport = {
      send(frame) {
        if (closing || socket.destroyed) return;
        socket.write(frame.kind === 'binary' ? frame.bytes : Buffer.from(frame.text));
      },
      get bufferedBytes() {
        return socket.writableLength;
      },
      close(code, reason) {
        if (closing) return;
        closing = true;
        if (code !== 1000) logger.info({ protocol: 'audiosocket', remote, code, reason }, 'closing AudioSocket connection');
        socket.end();
        setTimeout(() => socket.destroy(), 2000).unref();
      },
      remoteAddress: remote ?? 'unknown',
    };
    const conn = new MediaConnection({
      serializer: new AudioSocketSerializer(),
      transport,
      authorize: () => true, // admitted by address above
      onCall: options.onCall,
      logger,
      metrics: options.metrics,
      maxFrameBytes: options.maxFrameBytes ?? 64 * 1024,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
      mediaGapMs: options.mediaGapMs,
      leadFrames: options.leadFrames,
    });
    // Bot audio piling up unsent for two checks in a row means nobody is reading at the far end.
    const keepaliveMs = options.keepaliveMs ?? 4000;
    let lastPending = 0;
    let stalledChecks = 0;
    const drainWatch = setInterval(() => {
      const pending = socket.writableLength;
      stalledChecks = pending > 0 && lastPending > 0 && pending >= lastPending ? stalledChecks + 1 : 0;
      lastPending = pending;
      if (stalledChecks >= 2) {
        logger.warn({ protocol: 'audiosocket', conn: conn.id, remote, pendingBytes: pending }, 'AudioSocket peer gone: bot audio is not being read');
        conn.handleClose('peer gone (bot audio not read)');
        socket.destroy();
      }
    }, keepaliveMs);
    drainWatch.unref();
    const deframer = new AudioSocketDeframer();
    socket.on('data', (chunk) => {
      for (const frame of deframer.push(chunk)) conn.handleFrame(frame, true);
    });
    // The peer closing its side is a hang-up ("socket closure is also sufficient"): stop at once
    // rather than wait to flush bot audio nobody will hear.
    socket.on('end', () => {
      conn.handleClose('connection closed by peer');
      socket.destroy();
    });
    socket.on('close', (hadError) => {
      clearInterval(drainWatch);
      sockets.delete(socket);
      conn.handleClose(hadError ? 'connection reset' : 'connection closed');
    });
  });
  server.on('error', (err) => logger.error({ protocol: 'audiosocket', err: err.message }, 'AudioSocket server error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ protocol: 'audiosocket', port }, 'AudioSocket server listening');

  return {
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
