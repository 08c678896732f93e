import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRow } from '../src/campaigns/contacts.js';
import { CampaignStore } from '../src/campaigns/store.js';
import { createCampaignSchema } from '../src/campaigns/types.js';
import { surveyCampaign } from './helpers/campaign_harness.js';
import { backends, type TestDatabase } from './helpers/databases.js';

/** The store upserts contacts 1000 to a statement; these lists cross that boundary. */
const phone = (i: number) => `+98912${String(3000000 + i)}`;
const row = (i: number, line: number, extra: Partial<ContactRow> = {}): ContactRow => ({ phone: phone(i), name: null, vars: {}, line, ...extra });

describe.each(backends)('contact import across several insert statements on $name', ({ open }) => {
  let db: TestDatabase;
  let store: CampaignStore;
  beforeAll(async () => {
    db = await open();
    store = new CampaignStore(db.database);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('adds, merges and keeps out do-not-call numbers the same on both sides of each 1000-row statement', async () => {
    const now = new Date('2026-12-05T07:00:00Z');
    const campaign = await store.create(createCampaignSchema.parse(surveyCampaign()), now);
    await store.addDnc([phone(1999)], 'درخواست مشترک', 'api');

    const first = Array.from({ length: 1500 }, (_, i) => row(i, i + 2, i === 1001 ? { name: 'زهرا کریمی', vars: { bill: '۱۲۰۰۰۰' } } : {}));
    expect(await store.addContacts(campaign.id, first, now)).toEqual({ received: 1500, added: 1500, duplicates: 0, doNotCall: 0 });

    // 1000 already uploaded (rows 500…1499), 1000 new (1500…2499, one of them on the DNC list), and
    // two repeats inside the file: a row for 1001 that fills in nothing, and one for 2400 that adds a name.
    const second = [
      ...Array.from({ length: 2000 }, (_, k) => row(500 + k, k + 2)),
      row(1001, 2002, { name: 'نام دیگر' }),
      row(2400, 2003, { name: 'مریم احمدی', vars: { city: 'تبریز' } }),
    ];
    expect(await store.addContacts(campaign.id, second, now)).toEqual({ received: 2002, added: 999, duplicates: 1002, doNotCall: 1 });

    const counts = await store.counts(campaign.id);
    expect(counts).toMatchObject({ contacts: 2499, pending: 2499, duplicatesMerged: 1002 });
    const contacts = await store.contacts(campaign.id);
    expect(contacts).toHaveLength(2499);
    expect(contacts.some((c) => c.phone === phone(1999))).toBe(false);
    // The first upload's name and vars stay; the later upload's row does not overwrite them.
    expect(contacts.find((c) => c.phone === phone(1001))).toMatchObject({ name: 'زهرا کریمی', vars: { bill: '۱۲۰۰۰۰' } });
    expect(contacts.find((c) => c.phone === phone(2400))).toMatchObject({ name: 'مریم احمدی', vars: { city: 'تبریز' } });
  }, 120_000);
});
