import pg from 'pg';

type Callback = (payload: string) => void;

/**
 * LISTEN for one PostgreSQL database on a connection of its own (a pooled connection cannot
 * listen: the pool hands it to other queries and drops it when idle).
 *
 * The connection is re-opened when it breaks (PostgreSQL restarted, the backend terminated), with
 * a back-off from 250 ms to 5 s, and every channel is listened to again. Notifications sent while
 * it was down are lost for good, so after a reconnect each callback is called once with an empty
 * payload: receivers treat any message as "something changed, read it again", never as the
 * change itself.
 */
export class PgListener {
  private readonly channels = new Map<string, Set<Callback>>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = 250;
  private closed = false;

  constructor(private readonly url: string) {}

  async listen(channel: string, onMessage: Callback): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('listener closed');
    quoteIdent(channel); // refuse a bad name before it is registered
    let set = this.channels.get(channel);
    const first = !set;
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(onMessage);
    try {
      const client = await this.connection();
      if (first) await client.query(`listen ${quoteIdent(channel)}`);
    } catch {
      // Database unreachable now (starting during an outage): keep trying; the callback runs with
      // an empty payload once listening, like after any reconnect.
      if (this.client) this.lost(this.client);
      else this.reconnectSoon();
    }
    return async () => {
      const current = this.channels.get(channel);
      if (!current?.delete(onMessage) || current.size > 0) return;
      this.channels.delete(channel);
      await this.client?.query(`unlisten ${quoteIdent(channel)}`).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.channels.clear();
    const client = this.client ?? (await this.connecting?.catch(() => null));
    this.client = null;
    await client?.end().catch(() => {});
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000, keepAlive: true });
    // Without an 'error' listener a lost connection is an uncaught exception.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      for (const cb of this.channels.get(n.channel) ?? []) cb(n.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`listen ${quoteIdent(channel)}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('listener closed');
    }
    this.client = client;
    this.backoffMs = 250;
    return client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    this.reconnectSoon();
  }

  private reconnectSoon(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connection().then(
        () => {
          // Whatever was notified while the connection was down is gone: everyone re-reads.
          for (const set of this.channels.values()) for (const cb of set) cb('');
        },
        () => {
          this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
          this.reconnectSoon();
        },
      );
    }, this.backoffMs);
    this.retryTimer.unref?.();
  }
}

/** Channel names are identifiers in LISTEN (no parameters there). */
function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid channel name ${JSON.stringify(name)}`);
  return `"${name}"`;
}
