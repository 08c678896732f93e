import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedAdvisories } from '../tools/audit-allowlist.js';
import { allowListSchema, judgeAudit } from '../tools/audit.js';

// The shape npm 11 prints for `npm audit --omit=dev --json`: the advisory sits under the package it
// affects, and packages that only depend on it name that package in `via`.
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    ws: {
      name: 'ws',
      severity: 'high',
      isDirect: true,
      via: [
        {
          source: 1098392,
          name: 'ws',
          dependency: 'ws',
          title: 'ws affected by a DoS when handling a request with many HTTP headers',
          url: 'https://github.com/advisories/GHSA-3h5v-q93c-6h6q',
          severity: 'high',
          cwe: ['CWE-476'],
          cvss: { score: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
          range: '>=8.0.0 <8.17.1',
        },
      ],
      effects: ['engine.io'],
      range: '8.0.0 - 8.17.0',
      nodes: ['node_modules/ws'],
      fixAvailable: true,
    },
    'engine.io': { name: 'engine.io', severity: 'high', isDirect: false, via: ['ws'], effects: [], range: '*', nodes: ['node_modules/engine.io'], fixAvailable: true },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 2, critical: 0, total: 2 }, dependencies: { prod: 180, dev: 0, optional: 3, peer: 0, peerOptional: 0, total: 183 } },
};
// What npm printed on this machine, whose registry answers the audit endpoint with 405.
const unreachable = { message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, body: '', error: { summary: '', detail: '' } };

const entry = { id: 'GHSA-3h5v-q93c-6h6q', package: 'ws', reason: 'Only the PBX reaches the media port, behind the site firewall.', until: '2027-03-01' };

describe('the dependency audit', () => {
  it('fails on an advisory that is not in the allow-list, counting each advisory once', () => {
    const verdict = judgeAudit(report, [], '2026-12-05');
    expect(verdict).toMatchObject({ kind: 'judged', allowed: [], stale: [], expired: [] });
    if (verdict.kind !== 'judged') throw new Error('unreachable');
    expect(verdict.failed).toEqual([{ id: 'GHSA-3h5v-q93c-6h6q', package: 'ws', title: report.vulnerabilities.ws.via[0].title, severity: 'high', url: report.vulnerabilities.ws.via[0].url }]);
  });

  it('lets an allowed advisory through until its date, then fails again', () => {
    expect(judgeAudit(report, [entry], '2027-03-01')).toMatchObject({ kind: 'judged', failed: [], allowed: [{ id: entry.id }] });
    expect(judgeAudit(report, [entry], '2027-03-02')).toMatchObject({ kind: 'judged', failed: [{ id: entry.id }], expired: [entry] });
    // The same id for another package is a different decision.
    expect(judgeAudit(report, [{ ...entry, package: 'engine.io' }], '2026-12-05')).toMatchObject({ failed: [{ id: entry.id }] });
  });

  it('names allow-list entries whose advisory is gone, so they are deleted', () => {
    const clean = { ...report, vulnerabilities: {} };
    expect(judgeAudit(clean, [entry], '2026-12-05')).toMatchObject({ kind: 'judged', failed: [], stale: [entry] });
  });

  it('says the audit did not run when npm could not ask the audit service', () => {
    expect(judgeAudit(unreachable, [], '2026-12-05')).toEqual({ kind: 'not-run', reason: unreachable.message });
  });

  it('the allow-list in the repository is valid: GHSA ids, a reason, a date', () => {
    expect(allowListSchema.safeParse(allowedAdvisories).success).toBe(true);
    expect(allowListSchema.safeParse([{ ...entry, reason: 'fine' }]).success).toBe(false);
    expect(allowListSchema.safeParse([{ ...entry, id: 'CVE-2024-37890' }]).success).toBe(false);
  });

  it('the command exits 1 on a report with an advisory not allowed; an audit that could not ask fails only with --strict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasokh-audit-'));
    const run = (body: unknown, ...flags: string[]) => {
      const file = join(dir, `${Math.random()}.json`);
      writeFileSync(file, JSON.stringify(body));
      return spawnSync(process.execPath, ['--import', 'tsx', 'tools/audit.ts', '--report', file, ...flags], { encoding: 'utf8', env: { ...process.env, PASOKH_AUDIT_STRICT: '' } });
    };
    const bad = run(report);
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('ADVISORY GHSA-3h5v-q93c-6h6q ws (high)');
    const offline = run(unreachable);
    expect(offline.status).toBe(0);
    expect(offline.stderr).toContain('AUDIT NOT RUN: 405 Method Not Allowed');
    expect(run(unreachable, '--strict').status).toBe(1);
  });

  it('CI runs the README\'s test command exactly, then the audit, and fails if the audit fails', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    const commands = ci.split('\n').filter((line) => line.trim() && !line.trimStart().startsWith('#'));
    const tests = commands.indexOf('npm ci && npm test');
    const audit = commands.indexOf('npx tsx tools/audit.ts');
    expect(tests).toBeGreaterThan(-1);
    expect(audit).toBeGreaterThan(tests);
    expect(ci).toMatch(/^set -euo pipefail$/m);
    expect(readFileSync('README.md', 'utf8')).toContain('```sh\nnpm ci && npm test\n```');
  });
});
