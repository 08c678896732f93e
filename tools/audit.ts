/**
 * Dependency audit for CI: `npm audit --omit=dev --json`, failing on any advisory in a production
 * dependency that is not in the allow-list (`tools/audit-allowlist.ts`, each entry with its reason
 * and an expiry date). Dev dependencies are left out because they never ship in the image
 * (Dockerfile installs with --omit=dev).
 *
 *   npx tsx tools/audit.ts                 # runs npm audit; exit 1 on an advisory not allowed
 *   npx tsx tools/audit.ts --report f.json # judges a saved `npm audit --json` report instead
 *   npx tsx tools/audit.ts --strict        # also fail when the registry's audit service cannot be asked
 *
 * Without --strict, an audit service that cannot be reached (an offline build machine, a registry
 * mirror without the audit endpoint) is reported loudly and does not fail the build: the audit did
 * not happen, which is said in the output, rather than a build that can never pass offline.
 * PASOKH_AUDIT_STRICT=1 has the same effect as --strict (set it where the registry is reachable).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { allowedAdvisories, type AllowedAdvisory } from './audit-allowlist.js';

const GHSA = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/;

export const allowListSchema = z.array(
  z
    .object({
      id: z.string().regex(new RegExp(`^${GHSA.source}$`), 'a GHSA id, e.g. GHSA-xxxx-xxxx-xxxx'),
      package: z.string().min(1),
      reason: z.string().min(20, 'say why: which input reaches the vulnerable code and why that is safe here'),
      until: z.iso.date(),
    })
    .strict(),
);

/** The parts of npm's audit report (auditReportVersion 2) that the decision reads. */
const viaAdvisory = z.object({
  source: z.number(),
  name: z.string(),
  title: z.string(),
  url: z.string(),
  severity: z.string(),
  range: z.string().optional(),
});
const reportSchema = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(
    z.string(),
    z.object({
      name: z.string(),
      severity: z.string(),
      // A string names another vulnerable package this one depends on; its advisory is listed there.
      via: z.array(z.union([z.string(), viaAdvisory])),
    }),
  ),
});
/** What npm prints instead of a report when it could not ask the audit service. */
const failureSchema = z.object({ error: z.object({ summary: z.string().optional(), detail: z.string().optional() }).optional(), message: z.string().optional() });

export interface Advisory {
  id: string;
  package: string;
  title: string;
  severity: string;
  url: string;
}

export type AuditVerdict =
  | { kind: 'judged'; failed: Advisory[]; allowed: Advisory[]; expired: AllowedAdvisory[]; stale: AllowedAdvisory[] }
  | { kind: 'not-run'; reason: string };

/** Advisories in the report, once each (npm lists an advisory under every package it reaches). */
export function advisoriesIn(report: z.infer<typeof reportSchema>): Advisory[] {
  const seen = new Map<string, Advisory>();
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      if (typeof via === 'string') continue;
      // GitHub's id when the URL carries one; npm's numeric source id otherwise (still unique).
      const id = GHSA.exec(via.url)?.[0] ?? `npm-${via.source}`;
      if (!seen.has(id)) seen.set(id, { id, package: via.name, title: via.title, severity: via.severity, url: via.url });
    }
  }
  return [...seen.values()];
}

/** `today` is YYYY-MM-DD; an entry counts through its `until` day. */
export function judgeAudit(raw: unknown, allowList: readonly AllowedAdvisory[], today: string): AuditVerdict {
  const report = reportSchema.safeParse(raw);
  if (!report.success) {
    const failure = failureSchema.safeParse(raw);
    const why = failure.success ? (failure.data.message ?? failure.data.error?.summary ?? '') : '';
    return { kind: 'not-run', reason: why || `npm audit gave no report (${report.error.issues[0]?.message ?? 'unreadable'})` };
  }
  const advisories = advisoriesIn(report.data);
  const live = allowList.filter((a) => a.until >= today);
  const expired = allowList.filter((a) => a.until < today);
  const isAllowed = (adv: Advisory) => live.some((a) => a.id === adv.id && a.package === adv.package);
  return {
    kind: 'judged',
    failed: advisories.filter((a) => !isAllowed(a)),
    allowed: advisories.filter(isAllowed),
    // An entry whose advisory no longer appears (upgraded away) should be deleted from the list.
    stale: live.filter((a) => !advisories.some((adv) => adv.id === a.id && adv.package === a.package)),
    expired,
  };
}

function runNpmAudit(): unknown {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // npm exits 1 both when it found advisories and when it could not ask; the JSON tells which.
  try {
    return JSON.parse(run.stdout);
  } catch {
    return { message: `npm audit printed no JSON (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}` };
  }
}

function main(): number {
  const { values } = parseArgs({ options: { report: { type: 'string' }, strict: { type: 'boolean', default: false } } });
  const strict = values.strict || process.env.PASOKH_AUDIT_STRICT === '1';
  const list = allowListSchema.safeParse(allowedAdvisories);
  if (!list.success) {
    console.error(`tools/audit-allowlist.ts is invalid:\n${list.error.issues.map((i) => `  [${i.path.join('.')}] ${i.message}`).join('\n')}`);
    return 1;
  }
  const raw = values.report ? JSON.parse(readFileSync(values.report, 'utf8')) : runNpmAudit();
  const verdict = judgeAudit(raw, list.data, new Date().toISOString().slice(0, 10));
  if (verdict.kind === 'not-run') {
    console.error(`AUDIT NOT RUN: ${verdict.reason}`);
    console.error(strict ? 'failing (--strict / PASOKH_AUDIT_STRICT=1)' : 'not failing the build: the audit service could not be asked (use --strict where it can)');
    return strict ? 1 : 0;
  }
  for (const a of verdict.allowed) console.log(`allowed  ${a.id} ${a.package} (${a.severity}): ${a.title}`);
  for (const a of verdict.stale) console.log(`stale    ${a.id} ${a.package}: no longer reported; delete it from tools/audit-allowlist.ts`);
  for (const a of verdict.expired) console.error(`expired  ${a.id} ${a.package}: allowed until ${a.until}; review it`);
  for (const a of verdict.failed) console.error(`ADVISORY ${a.id} ${a.package} (${a.severity}): ${a.title} ${a.url}`);
  const bad = verdict.failed.length;
  console.log(`npm audit --omit=dev: ${bad} not allowed, ${verdict.allowed.length} allowed, ${verdict.stale.length} stale allow-list entries`);
  return bad > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
