/**
 * The campaign service on a real database with a dialer double: every placed call is recorded and
 * the test decides how ringing went. The clock is the test's (windows, pacing, retries).
 */
import { Hono } from 'hono';
import { campaignsConfigSchema, type CampaignsConfig } from '../../src/campaigns/config.js';
import { createCampaigns } from '../../src/campaigns/index.js';
import type { CampaignService } from '../../src/campaigns/service.js';
import type { DialEvent, Dialer, PlaceRequest } from '../../src/campaigns/dialers/types.js';
import { ApiError, errorBody, sendError } from '../../src/http/errors.js';
import type { Database } from '../../src/store/db.js';

export interface PlacedCall {
  request: PlaceRequest;
  report(event: DialEvent): Promise<void>;
}

export class DialerDouble implements Dialer {
  readonly kind = 'double';
  readonly placed: PlacedCall[] = [];
  /** Makes place() reject (a refused call). */
  refuse: Error | null = null;
  constructor(private readonly service: () => CampaignService) {}
  async place(request: PlaceRequest, onEvent: (e: DialEvent) => void) {
    if (this.refuse) throw this.refuse;
    this.placed.push({
      request,
      report: async (event) => {
        onEvent(event);
        await this.service().idle();
      },
    });
    return { providerCallId: `DBL-${request.attemptId}` };
  }
  async close() {}
}

export interface CampaignHarness {
  service: CampaignService;
  api: Hono;
  dialer: DialerDouble;
  clock: { now: Date; set(iso: string): void; advance(ms: number): void };
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

export function campaignHarness(database: Database, overrides: Partial<CampaignsConfig> = {}): CampaignHarness {
  const settings = campaignsConfigSchema.parse({ scheduler: false, ...overrides });
  const clock = {
    now: new Date('2026-12-05T07:00:00Z'), // Saturday 10:30 in Tehran
    set(iso: string) {
      this.now = new Date(iso);
    },
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  let service!: CampaignService;
  const dialer = new DialerDouble(() => service);
  const parts = createCampaigns({ database, settings, companyName: 'نت‌آسا', defaultQueue: 'general', mediaToken: 'media-token-0123456789', localUrl: () => 'http://127.0.0.1:1', now: () => clock.now, createDialer: () => dialer });
  service = parts.service;
  const api = new Hono();
  api.onError((err, c) => {
    if (!(err instanceof ApiError)) console.error(err);
    return sendError(c, err);
  });
  api.notFound((c) => c.json(errorBody('not_found', 'no route'), 404));
  api.route('/api/campaigns', parts.routes);
  api.route('/api/dnc', parts.dnc);
  api.route('/webhooks/twilio', parts.webhooks);
  return {
    service,
    api,
    dialer,
    clock,
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        if (typeof body === 'string' || body instanceof Uint8Array) init.body = body as BodyInit;
        else {
          init.body = JSON.stringify(body);
          (init.headers as Record<string, string>)['content-type'] = 'application/json';
        }
      }
      const res = await api.request(path, init);
      // Keep a byte-order mark: the CSV export's BOM is part of what is tested.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
      let parsed: any = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
  };
}

/** A small survey campaign body with the test dialer (kind simulator; the double replaces it). */
export function surveyCampaign(extra: Record<string, unknown> = {}) {
  return {
    name: 'رضایت مشترکان آذر',
    kind: 'survey',
    dialer: { kind: 'simulator' },
    script: {
      intro: 'برای بهبود خدمات، دو پرسش کوتاه داریم.',
      questions: [
        { id: 'q1', type: 'scale', prompt: 'از یک تا پنج، چقدر از سرعت اینترنت خود راضی هستید؟', min: 1, max: 5 },
        { id: 'q2', type: 'yesno', prompt: 'آیا ما را به دوستانتان پیشنهاد می‌کنید؟' },
      ],
    },
    ...extra,
  };
}
