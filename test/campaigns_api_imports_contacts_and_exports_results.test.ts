import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePhone } from '../src/campaigns/phone.js';
import { campaignHarness, surveyCampaign, type CampaignHarness } from './helpers/campaign_harness.js';
import { backends, type TestDatabase } from './helpers/databases.js';

describe('Iranian numbers in every form people type become E.164', () => {
  it.each([
    ['09121234567', '+989121234567'],
    ['912 123 4567', '+989121234567'],
    ['+98 912 123 4567', '+989121234567'],
    ['0098-912-123-4567', '+989121234567'],
    ['989121234567', '+989121234567'],
    ['۰۹۱۲۱۲۳۴۵۶۷', '+989121234567'],
    ['٠٩١٢١٢٣٤٥٦٧', '+989121234567'],
    ['(021) 8888-1234', '+982188881234'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('%s → %s', (typed, e164) => {
    expect(normalizePhone(typed)).toEqual({ ok: true, e164 });
  });

  it.each(['', '0912123', 'شماره ندارد', '091212345678'])('%j is refused with a reason', (typed) => {
    const r = normalizePhone(typed);
    expect(r.ok).toBe(false);
    expect((r as { problem: string }).problem.length).toBeGreaterThan(5);
  });
});

describe.each(backends)('campaigns API on $name', ({ open }) => {
  let db: TestDatabase;
  let h: CampaignHarness;
  beforeAll(async () => {
    db = await open();
    h = campaignHarness(db.database);
  });
  afterAll(async () => {
    await h?.service.stop();
    await db?.drop();
  });

  it('refuses a campaign that is not valid, naming each problem', async () => {
    const bad = surveyCampaign({
      script: { questions: [{ id: 'q1', type: 'choice', prompt: 'کدام؟', options: { '1': 'الف' }, next: { الف: 'q9' } }] },
      schedule: { windows: [{ days: ['sat'], from: '20:00', to: '09:00' }], start: 'فردا' },
      dialer: { kind: 'twilio', accountSid: 'nope' },
    });
    const res = await h.request('POST', '/api/campaigns', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_campaign');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths.some((p: string) => p.startsWith('dialer'))).toBe(true);
  });

  it('creates a survey in draft with the defaults a campaign owner expects, and hides dialer secrets', async () => {
    const res = await h.request('POST', '/api/campaigns', surveyCampaign({ dialer: { kind: 'ami', host: 'pbx.local', username: 'pasokh', secret: 's3cret', channel: 'PJSIP/{national}@trunk' } }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'draft', kind: 'survey', pacing: { maxConcurrent: 5, callsPerMinute: 10 }, retry: { maxAttempts: 3 } });
    expect(res.body.schedule.timezone).toBe('Asia/Tehran');
    expect(res.body.schedule.windows[0].days).not.toContain('fri');
    expect(res.body.dialer.secret).toBe('***');
    expect(JSON.stringify(res.body)).not.toContain('s3cret');
    const list = await h.request('GET', '/api/campaigns');
    expect(list.body.campaigns.map((c: { id: string }) => c.id)).toContain(res.body.id);
  });

  it('imports a messy CSV: BOM, Persian headers, numbers in every form, a duplicate, a bad row, a do-not-call number', async () => {
    const { body: campaign } = await h.request('POST', '/api/campaigns', surveyCampaign());
    expect((await h.request('POST', '/api/dnc', { phone: '0935 000 1111', reason: 'asked on the phone' })).status).toBe(200);
    const csv = [
      '\ufeffشماره;نام;مبلغ',
      '0912 123 4567;علی رضایی;1,250,000',
      '+98 (915) 222-3344;مریم;45000',
      '۰۹۳۵۰۰۰۱۱۱۱;DNC;1',
      '9121234567;علی دوباره;',
      '12345;خراب;2',
      '',
    ].join('\r\n');
    const res = await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, new TextEncoder().encode(csv), { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 4, added: 2, duplicates: 1, doNotCall: 1, rejected: 1 });
    expect(res.body.problems).toEqual([{ line: 6, value: '12345', problem: expect.stringContaining('5 digits') }]);
    const results = await h.request('GET', `/api/campaigns/${campaign.id}/results`);
    expect(results.body.results.map((r: { phone: string }) => r.phone)).toEqual(['+989121234567', '+989152223344']);
    expect(results.body.results[0]).toMatchObject({ name: 'علی رضایی', vars: { مبلغ: '1,250,000' }, status: 'pending', attempts: [] });
    // The same number uploaded again later is merged too.
    const again = await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '+989121234567' }, { phone: 'x' }] });
    expect(again.body).toMatchObject({ added: 0, duplicates: 1, rejected: 1, problems: [{ line: 2, value: 'x' }] });
  });

  it('refuses a file that is not UTF-8 or has no phone column, importing nothing', async () => {
    const { body: campaign } = await h.request('POST', '/api/campaigns', surveyCampaign());
    const latin1 = new Uint8Array([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xe4, 0xf6, 0x0a]);
    const notUtf8 = await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, latin1, { 'content-type': 'text/csv' });
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.body.error.message).toContain('UTF-8');
    const noPhone = await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, new TextEncoder().encode('name,amount\nعلی,1\n'), { 'content-type': 'text/csv' });
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.error.message).toContain('phone');
  });

  it('moves through start, pause, resume and cancel, refusing moves that do not apply', async () => {
    const { body: campaign } = await h.request('POST', '/api/campaigns', surveyCampaign());
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/start`)).body.error.code).toBe('no_contacts');
    await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '09121110000' }] });
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/resume`)).status).toBe(409);
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/start`)).body.status).toBe('running');
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/pause`)).body.status).toBe('paused');
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/resume`)).body.status).toBe('running');
    const cancelled = await h.request('POST', `/api/campaigns/${campaign.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', counts: { cancelled: 1 } });
    expect((await h.request('POST', `/api/campaigns/${campaign.id}/start`)).status).toBe(409);
    expect((await h.request('GET', '/api/campaigns/cmp_nope')).status).toBe(404);
  });

  it('keeps a do-not-call list that accepts any spelling and forgets a number on DELETE', async () => {
    const added = await h.request('POST', '/api/dnc', { phones: ['۰۹۱۹ ۵۵۵ ۶۶۷۷', '+989195556677', 'junk'] });
    expect(added.body).toMatchObject({ added: 1, rejected: 1, phones: ['+989195556677', '+989195556677'] });
    expect((await h.request('GET', '/api/dnc?phone=09195556677')).body.numbers).toHaveLength(1);
    expect((await h.request('DELETE', `/api/dnc/${encodeURIComponent('0919-555-6677')}`)).body).toEqual({ removed: '+989195556677' });
    expect((await h.request('DELETE', '/api/dnc/09195556677')).status).toBe(404);
  });

  it('exports results as CSV with a BOM, so Excel shows Persian names and answers', async () => {
    const { body: campaign } = await h.request('POST', '/api/campaigns', surveyCampaign());
    await h.request('POST', `/api/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: '09127778899', name: '=HYPERLINK("x")' }, { phone: '09127778800', name: 'زهرا' }] });
    const res = await h.request('GET', `/api/campaigns/${campaign.id}/results?format=csv`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.text.startsWith('\ufeffphone,name,status,final_outcome,attempts')).toBe(true);
    expect(res.text).toContain('q1,q1_via,q1_heard,q2,q2_via,q2_heard');
    expect(res.text).toContain('+989127778800,زهرا,pending');
    // A name that Excel would run as a formula is kept as text.
    expect(res.text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(res.text.endsWith('\r\n')).toBe(true);
  });
});
