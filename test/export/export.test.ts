// `starform export` without an engine: for every fixture package and every format, the
// output is deterministic; the Compose file says what the plan says (dependencies with
// conditions, fixed addresses for IP references, one-shot services, stored artifacts as
// volumes, stopped and removed services); no sensitive value is written in clear outside
// .env (0600) and Secrets; every Kubernetes manifest and every rendered Helm template
// passes the official OpenAPI schema (kubernetes-models); the Helm chart's templates,
// rendered with Go text/template (lib/template) on its values.yaml, are exactly the
// Kubernetes manifests, and its values really drive them.
import assert from 'node:assert/strict';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { exportPlan, type ExportFile, type ExportFormat, type ExportResult } from '../../lib/export/index.js';
import { parsePlan } from '../../lib/planfile/index.js';
import { renderTemplate } from '../../lib/template/index.js';
import { FIXTURES, planFixture } from './helpers.js';

const FORMATS: readonly ExportFormat[] = ['compose', 'kubernetes', 'helm'];
const SUBNET = '10.231.7.0/24';

function text(f: ExportFile): string {
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
}

function file(r: ExportResult, path: string): ExportFile {
  const f = r.files.find((x) => x.path === path);
  assert.ok(f, `no ${path} among ${r.files.map((x) => x.path).join(', ')}`);
  return f;
}

type Doc = Record<string, unknown> & { kind: string; metadata: { name: string } };

function docsOf(yamlText: string): Doc[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d !== null);
}

const MODELS: { [kind: string]: (d: Doc) => { validate(): void } } = {
  ConfigMap: (d) => new ConfigMap(d as never),
  Secret: (d) => new Secret(d as never),
  Service: (d) => new Service(d as never),
  Deployment: (d) => new Deployment(d as never),
  StatefulSet: (d) => new StatefulSet(d as never),
  Job: (d) => new Job(d as never),
};

const DNS_1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function validateManifests(docs: readonly Doc[], where: string): void {
  assert.ok(docs.length > 0, `${where}: no manifests`);
  for (const d of docs) {
    const model = MODELS[d.kind];
    assert.ok(model, `${where}: unexpected kind ${d.kind}`);
    assert.doesNotThrow(() => model(d).validate(), `${where}: ${d.kind} ${d.metadata.name} fails the Kubernetes schema`);
    assert.match(d.metadata.name, DNS_1123, `${where}: ${d.kind} name`);
  }
}

/** Renders a chart's templates as Helm would (Go text/template on {Values: values.yaml}). */
function renderChart(r: ExportResult, values?: unknown): Doc[] {
  const data = {
    Values: values ?? parse(text(file(r, 'values.yaml'))),
    Release: { Name: 'test', Namespace: 'default' },
    Chart: parse(text(file(r, 'Chart.yaml'))),
  };
  const docs: Doc[] = [];
  for (const f of r.files.filter((x) => x.path.startsWith('templates/') && x.path.endsWith('.yaml')).sort((a, b) => (a.path < b.path ? -1 : 1))) {
    docs.push(...docsOf(renderTemplate(f.path, text(f), data)));
  }
  return docs;
}

const SECRETS_ARGS = { db_password: 'hunter2-correct-horse', relay_material: 'relay-material-4a7f09' };
const SECRETS = [
  'hunter2-correct-horse',
  '0x4c0883a69102937d6231471b5dbb6204fe512961708279f1d7b1b3db1a4d2c8e',
  '0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63',
  'relay-material-4a7f09',
];

describe('export', function () {
  this.timeout(60_000);

  describe('every fixture, every format', () => {
    for (const name of FIXTURES) {
      it(`${name}: byte-identical output for the same plan, valid manifests`, () => {
        const first = planFixture(name);
        // The same plan file read again; and a second planning (another lineage, so another checksum).
        const reread = { ...parsePlan(first.text, 'again.plan'), text: first.text };
        const replanned = planFixture(name);
        for (const format of FORMATS) {
          const options = format === 'compose' ? { subnet: SUBNET } : {};
          const a = exportPlan(first, format, options);
          const b = exportPlan({ plan: reread.plan, checksum: reread.checksum }, format, options);
          const bytes = (r: ExportResult, checksum: string): [string, number, string][] =>
            r.files.map((f) => [f.path, f.mode, text(f).split(checksum).join('CHECKSUM')]);
          assert.deepEqual(
            b.files.map((f) => [f.path, f.mode, Buffer.from(text(f))]),
            a.files.map((f) => [f.path, f.mode, Buffer.from(text(f))]),
            `${name} ${format}`,
          );
          assert.deepEqual(bytes(exportPlan(replanned, format, options), replanned.checksum), bytes(a, first.checksum), `${name} ${format}: planned again`);
          for (const n of a.notes)
            assert.ok(
              text(a.files[0]!).includes(n.message.replace(/[\r\n\t]+/g, ' ')) || format === 'helm',
              `${name} ${format}: note not in the header: ${n.message}`,
            );
        }
        const compose = parse(text(file(exportPlan(first, 'compose', { subnet: SUBNET }), 'docker-compose.yml'))) as {
          services: Record<string, { depends_on?: Record<string, unknown> }>;
        };
        for (const [svc, def] of Object.entries(compose.services)) {
          for (const dep of Object.keys(def.depends_on ?? {})) assert.ok(dep in compose.services, `${name}: ${svc} depends on ${dep}, which is not defined`);
        }
        validateManifests(docsOf(text(file(exportPlan(first, 'kubernetes'), 'kubernetes.yaml'))), `${name} kubernetes`);
        const helm = exportPlan(first, 'helm');
        const rendered = renderChart(helm);
        validateManifests(rendered, `${name} helm`);
        assert.deepEqual(
          rendered,
          docsOf(text(file(exportPlan(first, 'kubernetes'), 'kubernetes.yaml'))),
          `${name}: the chart renders to the Kubernetes manifests`,
        );
        const chart = parse(text(file(helm, 'Chart.yaml'))) as Record<string, unknown>;
        assert.equal(chart['apiVersion'], 'v2');
        assert.match(String(chart['name']), DNS_1123);
        assert.match(String(chart['version']), /^\d+\.\d+\.\d+$/);
        const values = parse(text(file(helm, 'values.yaml'))) as {
          services: Record<string, { image: string; replicas: number }>;
          jobs: Record<string, { image: string }>;
        };
        for (const s of Object.values(values.services)) {
          assert.equal(typeof s.image, 'string');
          assert.ok(s.replicas === 0 || s.replicas === 1);
        }
      });
    }
  });

  describe('compose', () => {
    it('webapp: depends_on with conditions from the dependency graph, healthchecks from port waits and ready_conditions, a wait as a one-shot service', () => {
      const r = exportPlan(planFixture('webapp'), 'compose', { subnet: SUBNET });
      const doc = parse(text(file(r, 'docker-compose.yml'))) as { services: Record<string, Record<string, unknown>> };
      const s = doc.services;
      assert.deepEqual(s['app']!['depends_on'], { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      assert.deepEqual(s['app']!['volumes'], ['./artifacts/webapp-site:/www:ro']);
      assert.deepEqual((s['redis']!['healthcheck'] as { test: string[] }).test[0], 'CMD-SHELL');
      assert.match((s['redis']!['healthcheck'] as { test: string[] }).test[1]!, /:18EB .*&& 'sh' '-c' 'echo PING \| nc 127\.0\.0\.1 6379'/);
      const wait = Object.entries(s).find(([k]) => k.startsWith('wait-'))![1];
      assert.equal(wait['network_mode'], 'service:app');
      assert.equal(wait['restart'], 'no');
      assert.deepEqual(wait['depends_on'], { app: { condition: 'service_healthy' } });
      // Host names resolved into the rendered template.
      assert.match(text(file(r, 'artifacts/webapp-site/index.html')), /database postgres:5432\/app/);
      assert.ok(/restart: "no"/.test(text(file(r, 'docker-compose.yml'))), 'YAML 1.1 readers must not read "no" as false');
    });

    it('addresses: IP references become fixed addresses on a network with an explicit subnet', () => {
      const r = exportPlan(planFixture('addresses'), 'compose', { subnet: SUBNET });
      const doc = parse(text(file(r, 'docker-compose.yml'))) as { services: Record<string, Record<string, unknown>>; networks: unknown };
      assert.deepEqual(doc.networks, { starform: { ipam: { config: [{ subnet: SUBNET }] } } });
      const ips = Object.entries(doc.services)
        .filter(([, v]) => v['networks'] !== undefined)
        .map(([k, v]) => [k, (v['networks'] as { starform: { ipv4_address: string } }).starform.ipv4_address]);
      assert.ok(ips.length >= 2);
      for (const [, ip] of ips) assert.match(ip!, /^10\.231\.7\.\d+$/);
      const all = text(file(r, 'docker-compose.yml'));
      assert.ok(!all.includes('{{starform:service.'), 'no service reference left');
      const dbIp = ips.find(([k]) => k === 'db')![1]!;
      assert.ok(
        all.split('\n').some((l) => l.includes(dbIp) && !l.includes('ipv4_address')),
        'the db address is used where the plan referenced it',
      );
      assert.ok(
        r.notes.some((n) => /exec\..*\.output/.test(n.message)),
        'a reference to an exec output is noted',
      );
    });

    it('genesis: a run_sh that stores an artifact is a one-shot service filling a volume the consumer mounts after it completed', () => {
      const r = exportPlan(planFixture('genesis'), 'compose', { subnet: SUBNET });
      const doc = parse(text(file(r, 'docker-compose.yml'))) as { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> };
      const [taskName, task] = Object.entries(doc.services).find(([k]) => k.startsWith('run-sh-'))!;
      const consumer = Object.entries(doc.services).find(([k]) => !k.startsWith('run-sh-'))![1];
      assert.deepEqual(consumer['depends_on'], { [taskName]: { condition: 'service_completed_successfully' } });
      const volume = Object.keys(doc.volumes).find((v) => v.startsWith('artifact-'))!;
      assert.ok((task['volumes'] as string[]).includes(`${volume}:/starform-store/${volume.slice('artifact-'.length)}`));
      assert.ok((consumer['volumes'] as string[]).some((v) => v.startsWith(`${volume}:`)));
      // The task reads the uploaded artifact (the earlier content of the same name), not the volume it fills.
      assert.ok(
        (task['volumes'] as string[]).some((v) => v.startsWith('./artifacts/')),
        'the task mounts the upload',
      );
    });

    it('lifecycle: a stopped service is defined but not started, a removed one is not exported; both are listed', () => {
      const r = exportPlan(planFixture('lifecycle'), 'compose', { subnet: SUBNET });
      const head = text(file(r, 'docker-compose.yml'));
      const doc = parse(head) as { services: Record<string, Record<string, unknown>> };
      assert.deepEqual(doc.services['worker']!['profiles'], ['stopped']);
      assert.ok(!('seed' in doc.services));
      assert.match(head, /# .*remove_service: service 'seed' is not part of the end state/);
      assert.match(head, /# .*stop_service: service 'worker' is defined but not started/);
    });

    it('checks: steps Compose cannot express are listed in the header', () => {
      const r = exportPlan(planFixture('checks'), 'compose', { subnet: SUBNET });
      const head = text(file(r, 'docker-compose.yml')).split('\nservices:')[0]!;
      assert.match(head, /verify \(==\) checks values of a run of the plan/);
      assert.match(head, /print: the message is printed by a run of the plan only/);
      assert.ok(r.notes.length >= 7);
    });

    it('a literal $ is escaped so Compose substitutes nothing of the plan', () => {
      const r = exportPlan(planFixture('addresses'), 'compose', { subnet: SUBNET });
      assert.match(text(file(r, 'docker-compose.yml')), /echo \$\$DB_VERSION/);
    });
  });

  describe('sensitive values', () => {
    const secrets = (): ReturnType<typeof planFixture> => planFixture('secrets', SECRETS_ARGS, ['relay_material']);

    it('compose: variables in the file, the values in .env (0600)', () => {
      const r = exportPlan(secrets(), 'compose', { subnet: SUBNET });
      const compose = text(file(r, 'docker-compose.yml'));
      for (const s of SECRETS) assert.ok(!compose.includes(s), `docker-compose.yml holds ${s}`);
      const env = file(r, '.env');
      assert.equal(env.mode, 0o600);
      for (const s of SECRETS) assert.ok(text(env).includes(`=${s}\n`), `.env lacks ${s}`);
      assert.match(compose, /\$\{STARFORM_SENSITIVE_\d+\}/);
      for (const f of r.files.filter((x) => x.path !== '.env')) for (const s of SECRETS) assert.ok(!text(f).includes(s), `${f.path} holds ${s}`);
    });

    it('compose: a sensitive value that spans lines is refused (a .env line cannot hold it), Kubernetes takes it', () => {
      const planned = planFixture('webapp');
      const multi = 'line one\nline two';
      const instructions = planned.plan.instructions.map((ins) =>
        ins.id === 'service.postgres' ? JSON.parse(JSON.stringify(ins).replace('not-a-secret', 'line one\\nline two')) : ins,
      );
      const input = { plan: { ...planned.plan, instructions, sensitive: [multi] }, checksum: planned.checksum };
      assert.throws(() => exportPlan(input, 'compose', { subnet: SUBNET }), /a sensitive value of the plan spans lines/);
      const docs = docsOf(text(exportPlan(input, 'kubernetes').files[0]!));
      const secret = docs.find((d) => d.metadata.name === 'starform-sensitive')!;
      assert.deepEqual(
        Object.values(secret['data'] as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString('utf8')),
        [multi],
      );
    });

    it('kubernetes and helm: only in Secrets (0600), used through $(VAR) expansion', () => {
      for (const format of ['kubernetes', 'helm'] as const) {
        const r = exportPlan(secrets(), format);
        for (const f of r.files) for (const s of SECRETS) assert.ok(!text(f).includes(s), `${format} ${f.path} holds ${s} in clear`);
        const docs = format === 'kubernetes' ? docsOf(text(r.files[0]!)) : renderChart(r);
        const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'starform-sensitive')!;
        const held = Object.values(secret['data'] as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString('utf8'));
        for (const s of SECRETS) assert.ok(held.includes(s), `${format}: the Secret lacks ${s}`);
        for (const d of docs.filter((x) => x.kind !== 'Secret')) {
          const all = JSON.stringify(d);
          for (const s of SECRETS) assert.ok(!all.includes(Buffer.from(s).toString('base64')), `${format}: ${d.kind} holds a secret`);
        }
        assert.match(JSON.stringify(docs), /\$\(STARFORM_SENSITIVE_\d+\)/);
        const secretFiles = r.files.filter((f) => text(f).includes('kind: Secret'));
        for (const f of secretFiles) assert.equal(f.mode, 0o600, `${f.path} holds a Secret`);
      }
    });

    it('a files artifact that holds a sensitive value is a Secret (Kubernetes) and a 0600 file (Compose), never a ConfigMap', () => {
      const planned = planFixture('webapp');
      // index.html of the rendered artifact holds this line; mark it sensitive as the plan would.
      const secretLine = '<h1>webapp</h1>';
      const input = { plan: { ...planned.plan, sensitive: [...(planned.plan.sensitive ?? []), secretLine] }, checksum: planned.checksum };
      const docs = docsOf(text(exportPlan(input, 'kubernetes').files[0]!));
      assert.ok(!docs.some((d) => d.kind === 'ConfigMap' && JSON.stringify(d).includes('webapp')), 'no ConfigMap holds the artifact');
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'artifact-webapp-site')!;
      assert.match(Buffer.from((secret['data'] as Record<string, string>)['index.html']!, 'base64').toString('utf8'), /<h1>webapp<\/h1>/);
      const compose = exportPlan(input, 'compose', { subnet: SUBNET });
      assert.equal(file(compose, 'artifacts/webapp-site/index.html').mode, 0o600);
      assert.equal(file(exportPlan(planned, 'compose', { subnet: SUBNET }), 'artifacts/webapp-site/index.html').mode, 0o644);
    });
  });

  describe('helm', () => {
    it('values.yaml drives images and replicas', () => {
      const r = exportPlan(planFixture('webapp'), 'helm');
      const values = parse(text(file(r, 'values.yaml'))) as { services: Record<string, { image: string; replicas: number }> };
      values.services['app'] = { image: 'example/app:2', replicas: 3 };
      const app = renderChart(r, values).find((d) => d.kind === 'Deployment' && d.metadata.name === 'app')!;
      const spec = app['spec'] as { replicas: number; template: { spec: { containers: { image: string }[] } } };
      assert.equal(spec.replicas, 3);
      assert.equal(spec.template.spec.containers[0]!.image, 'example/app:2');
    });

    it('exposes a package argument where the plan shows where it goes, and lists the others', () => {
      const args = { replicas: 2, name: 'worker', tags: ['blue'], settings: { log_level: 'debug' } };
      const r = exportPlan(planFixture('yamlargs', args), 'helm');
      const valuesText = text(file(r, 'values.yaml'));
      const values = parse(valuesText) as { args: { settings: { log_level: string } } };
      assert.deepEqual(values.args, { settings: { log_level: 'debug' } });
      assert.match(valuesText, /args\.settings\.log_level: the package argument; feeds env LOG_LEVEL of worker-0, env LOG_LEVEL of worker-1/);
      assert.match(valuesText, /not exposed .*: name, replicas/);
      values.args.settings.log_level = 'trace';
      const docs = renderChart(r, values);
      const env = (
        docs.find((d) => d.metadata.name === 'worker-1' && d.kind === 'Deployment')!['spec'] as {
          template: { spec: { containers: { env: { name: string; value: string }[] }[] } };
        }
      ).template.spec.containers[0]!.env;
      assert.equal(env.find((e) => e.name === 'LOG_LEVEL')!.value, 'trace');
    });

    it('a literal {{ in a manifest is escaped, so Helm renders it as written', () => {
      const r = exportPlan(planFixture('addresses'), 'helm');
      const docs = renderChart(r);
      assert.match(JSON.stringify(docs), /\{\{starform:exec\.[0-9a-f]+\.output\}\}/);
    });
  });
});
