import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';
import { startPasokh, type PasokhProcess } from './helpers/pasokh_process.js';

/**
 * Two real `pasokh serve` processes behind one PostgreSQL, as a load balancer would see them: a
 * guesser whose wrong passwords land on either instance gets no more guesses than against one.
 */
describe('the console sign-in lockout of two instances on one PostgreSQL', () => {
  let pg: TestDatabase;
  let a: PasokhProcess;
  let b: PasokhProcess;
  const config = {
    campaigns: { scheduler: false },
    // The per-address budget is far above the per-name one, so only the name's lock can refuse.
    security: { authThrottle: { maxFailures: 1000, windowSeconds: 300 } },
  };

  beforeAll(async () => {
    pg = await freshPostgres();
    a = await startPasokh({ databaseUrl: pg.url!, instanceId: 'login-a', config });
    b = await startPasokh({ databaseUrl: pg.url!, instanceId: 'login-b', config });
  }, 300_000);

  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await pg?.drop();
  });

  const signIn = (p: PasokhProcess, username: string, password: string) =>
    fetch(`${p.url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ username, password, next: '/console' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: p.url },
    });

  it('locks a name on both instances after wrong passwords spread over both, and a right password then waits too', async () => {
    for (const username of ['maryam', 'ali']) {
      const res = await a.admin('/api/users', { method: 'POST', body: JSON.stringify({ username, password: `${username}-password-1`, role: 'ops' }) });
      expect(res.status).toBe(201);
    }

    // Five wrong passwords, alternating instances: neither saw more than three.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn(i % 2 === 0 ? a : b, 'maryam', `wrong-guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    for (const p of [a, b]) {
      const refused = await signIn(p, 'maryam', 'wrong-guess-again');
      expect(refused.status).toBe(429);
      expect(await refused.text()).toContain('چند بار گذرواژه‌ی نادرست وارد شد');
      // Locked means locked: the right password is not even checked while the lock holds.
      expect((await signIn(p, 'maryam', 'maryam-password-1')).status).toBe(429);
    }

    // The lock is the name's, not the instances': another user signs in on either.
    expect((await signIn(a, 'ali', 'ali-password-1')).status).toBe(303);
    expect((await signIn(b, 'ali', 'ali-password-1')).status).toBe(303);
  }, 120_000);

  it('forgets the wrong passwords given before a successful sign-in, on both instances', async () => {
    for (let i = 0; i < 4; i++) expect((await signIn(i % 2 === 0 ? a : b, 'ali', `wrong-${i}`)).status).toBe(401);
    expect((await signIn(b, 'ali', 'ali-password-1')).status).toBe(303);
    // Four more after the success: still under the limit of five, on either instance.
    for (let i = 0; i < 4; i++) expect((await signIn(i % 2 === 0 ? b : a, 'ali', `wrong-again-${i}`)).status).toBe(401);
    expect((await signIn(a, 'ali', 'ali-password-1')).status).toBe(303);
  }, 120_000);

  it('counts only the wrong passwords of the last five minutes, by the database clock', async () => {
    const res = await a.admin('/api/users', { method: 'POST', body: JSON.stringify({ username: 'sima', password: 'sima-password-1', role: 'viewer' }) });
    expect(res.status).toBe(201);
    // Five failures six minutes ago (as the audit log holds them) and four just now: not locked.
    for (let i = 0; i < 5; i++) {
      await pg.database.query("insert into console_audit (at, actor, action, status) values (now() - interval '6 minutes', 'sima', 'login-failed', 401)");
    }
    for (let i = 0; i < 4; i++) expect((await signIn(i % 2 === 0 ? a : b, 'sima', `wrong-${i}`)).status).toBe(401);
    expect((await signIn(b, 'sima', 'sima-password-1')).status).toBe(303);
  }, 120_000);
});
