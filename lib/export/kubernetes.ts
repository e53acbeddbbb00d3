// The Kubernetes target: one multi-document manifest file (`kubernetes.yaml`), in the
// order a run of the plan creates things.
//
//   services           a Deployment (a StatefulSet when it has persistent directories:
//                      one volumeClaimTemplate per directory) and, when it has ports, a
//                      ClusterIP Service named after its host name, so host names resolve;
//                      IP-address references become that DNS name (a pod's address cannot
//                      be pinned) and the own-address placeholder the pod IP (`$(STARFORM_POD_IP)`
//                      from the downward API). Stopped services get replicas: 0.
//   readiness          a readinessProbe: tcpSocket for a single port wait, httpGet for a
//                      GET-200 ready condition, otherwise an exec probe running the same
//                      checks as Compose's healthcheck.
//   files artifacts    ConfigMaps; an artifact holding a sensitive value is a Secret; both
//                      mounted through projected volumes (several artifacts at one path merge).
//   one-off steps      Jobs (restartPolicy Never, backoffLimit 0, activeDeadlineSeconds from
//                      the step's time limit) with the service's image, env and files.
//   order              Kubernetes starts everything at once. The documented order is the
//                      manifests' order (annotation `starform.dev/order`); the header says
//                      which Jobs to wait for (`kubectl wait --for=condition=complete`).
//   sensitive values   never in a ConfigMap or in a pod spec: a Secret `starform-sensitive`
//                      holds them, containers get them as env vars and use them through
//                      Kubernetes's `$(VAR)` expansion (every other `$(` is written `$$(`).
//
// Every manifest is checked against the official OpenAPI schema in the tests
// (kubernetes-models).
import type { ExportContainer, ExportEnvironment, ExportFile, ExportMount, ExportNote, ExportResult, ExportService } from './model.js';
import type { Addressing } from './resolve.js';
import { STORE_ROOT } from './resolve.js';
import { headerComment, yamlText } from './yaml-out.js';

const KUBERNETES_FILE = 'kubernetes.yaml';
const POD_IP = '\u0000STARFORM_POD_IP\u0000';
const SENSITIVE_SECRET = 'starform-sensitive';

export const kubernetesAddressing: Addressing = {
  ipOf: (s) => s,
  ownAddress: POD_IP,
  ipNote:
    "IP addresses cannot be pinned in Kubernetes: references to a service's ip_address are its Service's DNS name, and a service's own address is its pod IP",
  taskHost: (s) => s,
};

/** A DNS-1123 name from any text (lower case, [a-z0-9-], at most 63 characters). */
export function dnsName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return n === '' ? 'x' : n;
}

function portName(id: string, number: number, taken: Set<string>): string {
  let n = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/--+/g, '-')
    .slice(0, 15)
    .replace(/-+$/, '');
  if (!/[a-z]/.test(n) || taken.has(n)) n = `p${number}`.slice(0, 15);
  taken.add(n);
  return n;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

function base64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

function isText(b: Uint8Array): boolean {
  const s = Buffer.from(b).toString('utf8');
  return Buffer.from(s, 'utf8').equals(Buffer.from(b)) && !s.includes('\u0000');
}

/** Kubernetes expands `$(VAR)` in command, args and env values: literal ones are written `$$(`. */
class Escaper {
  readonly used = new Map<string, string>();
  constructor(private readonly sensitive: readonly string[]) {}

  text(s: string): string {
    let out = s.replace(/\$\(/g, '$$$$(');
    this.sensitive.forEach((value, i) => {
      const escaped = value.replace(/\$\(/g, '$$$$(');
      if (!out.includes(escaped)) return;
      const name = `STARFORM_SENSITIVE_${i + 1}`;
      this.used.set(name, value);
      out = out.split(escaped).join(`$(${name})`);
    });
    return out.split(POD_IP).join('$(STARFORM_POD_IP)');
  }
}

interface Built {
  readonly docs: Record<string, unknown>[];
  readonly notes: ExportNote[];
  /** Jobs in order, for the header. */
  readonly jobs: string[];
}

/** The manifests of an environment as objects, in order (helm.ts reuses them). */
export function kubernetesManifests(env: ExportEnvironment): Built {
  const notes: ExportNote[] = [...env.notes];
  const docs: Record<string, unknown>[] = [];
  const jobs: string[] = [];
  const escaper = new Escaper(env.sensitive);
  const sourceOf = new Map<string, { kind: 'configMap' | 'secret'; name: string; items: { key: string; path: string }[] }>();
  const taken = new Set<string>();
  const uniqueName = (base: string): string => {
    let n = dnsName(base);
    for (let i = 2; taken.has(n); i++) n = dnsName(`${base}-${i}`);
    taken.add(n);
    return n;
  };

  for (const a of env.artifacts) {
    const name = uniqueName(`artifact-${a.name}`);
    const keys = new Set<string>();
    const items: { key: string; path: string }[] = [];
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const f of a.files) {
      let key = f.path.replace(/[^-._a-zA-Z0-9]/g, '_');
      if (key === '.' || key === '..') key = `_${key}`;
      for (let i = 2; keys.has(key); i++) key = `${key}-${i}`;
      keys.add(key);
      items.push({ key, path: f.path });
      if (a.sensitive) binaryData[key] = base64(f.content);
      else if (isText(f.content)) data[key] = Buffer.from(f.content).toString('utf8');
      else binaryData[key] = base64(f.content);
    }
    const size = a.files.reduce((n, f) => n + f.content.length, 0);
    if (size > 1_000_000)
      notes.push({ step: a.step, position: '-', message: `files artifact '${a.name}' is ${size} bytes; a ConfigMap or Secret holds at most 1 MiB` });
    sourceOf.set(a.name, { kind: a.sensitive ? 'secret' : 'configMap', name, items });
    const metadata = { name, labels: { 'app.kubernetes.io/managed-by': 'starform' }, annotations: { 'starform.dev/step': a.step } };
    if (a.sensitive) {
      docs.push({ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: binaryData });
    } else {
      docs.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata,
        ...(Object.keys(data).length > 0 ? { data } : {}),
        ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
      });
    }
  }
  for (const u of env.units) taken.add(dnsName(u.name));

  const volumesOf = (u: ExportContainer & { name: string; step: string; position: string }): { volumes: unknown[]; mounts: unknown[] } => {
    const volumes: unknown[] = [];
    const mounts: unknown[] = [];
    u.mounts.forEach((m: ExportMount, i) => {
      const sources: unknown[] = [];
      for (const key of m.artifacts) {
        const src = sourceOf.get(key);
        if (src === undefined) {
          notes.push({
            step: u.step,
            position: u.position,
            message: `'${u.name}': files artifact '${key}' at ${m.path} is stored by a one-off step; Kubernetes has no volume a Job fills for other pods, so the mount is left out`,
          });
          continue;
        }
        sources.push({ [src.kind]: { name: src.name, items: src.items } });
      }
      if (sources.length === 0) return;
      const name = `files-${i + 1}`;
      volumes.push({ name, projected: { sources } });
      mounts.push({ name, mountPath: m.path, readOnly: true });
    });
    u.stores.forEach((s, i) => {
      const name = `store-${i + 1}`;
      volumes.push({ name, emptyDir: {} });
      mounts.push({ name, mountPath: `${STORE_ROOT}/${s.artifact}` });
    });
    return { volumes, mounts };
  };

  const envOf = (u: ExportContainer): unknown[] => {
    const plain = u.env.map(([k, v]) => ({ name: k, value: escaper.text(v) }));
    const texts = [...u.entrypoint, ...u.cmd, ...u.env.map(([, v]) => v)].map((t) => escaper.text(t)).join('\n');
    const secretVars = [...escaper.used.keys()].filter((k) => texts.includes(`$(${k})`)).sort();
    const out: unknown[] = secretVars.map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: SENSITIVE_SECRET, key: k } } }));
    if (texts.includes('$(STARFORM_POD_IP)')) out.push({ name: 'STARFORM_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    return [...out, ...plain];
  };

  const containerOf = (u: ExportContainer, name: string): Record<string, unknown> => {
    const command = u.entrypoint.map((s) => escaper.text(s));
    const args = u.cmd.map((s) => escaper.text(s));
    const env = envOf(u);
    return {
      name,
      image: u.image,
      imagePullPolicy: 'IfNotPresent',
      ...(command.length > 0 ? { command } : {}),
      ...(args.length > 0 ? { args } : {}),
      ...(env.length > 0 ? { env } : {}),
    };
  };

  const probeOf = (s: ExportService): Record<string, unknown> | null => {
    if (s.checks.length === 0) return null;
    const interval = Math.max(1, Math.round(Math.min(...s.checks.map((c) => c.intervalMs)) / 1000));
    const budget = Math.max(...s.checks.map((c) => c.timeoutMs));
    const timing = { periodSeconds: interval, timeoutSeconds: 10, failureThreshold: Math.max(1, Math.ceil(budget / 1000 / interval)) };
    const only = s.checks.length === 1 ? s.checks[0]! : undefined;
    if (only?.tcpPort !== undefined) return { tcpSocket: { port: only.tcpPort }, ...timing };
    if (only?.http !== undefined)
      return { httpGet: { port: only.http.port, path: only.http.path.startsWith('/') ? only.http.path : `/${only.http.path}` }, ...timing };
    const line = s.checks.map((c) => (c.shell ? c.command[0]! : c.command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' '))).join(' && ');
    return { exec: { command: ['/bin/sh', '-c', line] }, ...timing };
  };

  let order = 0;
  for (const u of env.units) {
    order++;
    const name = dnsName(u.name);
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'starform' };
    const annotations = { 'starform.dev/step': u.step, 'starform.dev/order': String(order) };
    const { volumes, mounts } = volumesOf(u);
    const base = containerOf(u, name);
    if (u.kind === 'service') {
      const portNames = new Set<string>();
      const ports = u.ports.map((p) => ({ name: portName(p.id, p.number, portNames), containerPort: p.number, protocol: p.protocol }));
      if (ports.length > 0) {
        docs.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, labels, annotations },
          spec: {
            selector: { 'app.kubernetes.io/name': name },
            ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol })),
          },
        });
      }
      const podLabels: Record<string, string> = { ...labels };
      const podAnnotations: Record<string, string> = {};
      for (const [k, v] of u.labels) {
        if (LABEL_KEY.test(k) && LABEL_VALUE.test(v) && !(k in podLabels)) podLabels[k] = v;
        else podAnnotations[k] = v;
      }
      const probe = probeOf(u);
      const resources = {
        ...(u.cpu.min > 0 || u.memoryMb.min > 0
          ? { requests: { ...(u.cpu.min > 0 ? { cpu: `${u.cpu.min}m` } : {}), ...(u.memoryMb.min > 0 ? { memory: `${u.memoryMb.min}Mi` } : {}) } }
          : {}),
        ...(u.cpu.max > 0 || u.memoryMb.max > 0
          ? { limits: { ...(u.cpu.max > 0 ? { cpu: `${u.cpu.max}m` } : {}), ...(u.memoryMb.max > 0 ? { memory: `${u.memoryMb.max}Mi` } : {}) } }
          : {}),
      };
      const security = {
        ...(u.user !== null ? { runAsUser: u.user.uid, ...(u.user.gid !== null ? { runAsGroup: u.user.gid } : {}) } : {}),
        ...(u.capabilities.length > 0 ? { capabilities: { add: [...u.capabilities] } } : {}),
        ...(u.privileged ? { privileged: true } : {}),
      };
      const claims = u.volumes.map((v) => ({ name: dnsName(`data-${v.key}`), path: v.path, sizeMb: v.sizeMb }));
      const container = {
        ...base,
        ...(ports.length > 0 ? { ports } : {}),
        ...(mounts.length + claims.length > 0 ? { volumeMounts: [...mounts, ...claims.map((c) => ({ name: c.name, mountPath: c.path }))] } : {}),
        ...(probe !== null ? { readinessProbe: probe } : {}),
        ...(Object.keys(resources).length > 0 ? { resources } : {}),
        ...(Object.keys(security).length > 0 ? { securityContext: security } : {}),
        ...(u.tty ? { tty: true, stdin: true } : {}),
      };
      const template = {
        metadata: { labels: podLabels, ...(Object.keys(podAnnotations).length > 0 ? { annotations: podAnnotations } : {}) },
        spec: { containers: [container], ...(volumes.length > 0 ? { volumes } : {}) },
      };
      const spec = { replicas: u.stopped ? 0 : 1, selector: { matchLabels: { 'app.kubernetes.io/name': name } } };
      if (claims.length > 0) {
        docs.push({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name, labels, annotations },
          spec: {
            ...spec,
            serviceName: name,
            template,
            volumeClaimTemplates: claims.map((c) => ({
              metadata: { name: c.name },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${c.sizeMb}Mi` } } },
            })),
          },
        });
        if (ports.length === 0)
          notes.push({
            step: u.step,
            position: u.position,
            message: `'${u.name}': a StatefulSet without ports names a Service '${name}' that does not exist; create a headless one if the cluster needs it`,
          });
      } else {
        docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels, annotations }, spec: { ...spec, template } });
      }
      if (!u.init) notes.push({ step: u.step, position: u.position, message: `'${u.name}': tini_enabled=False has no Kubernetes equivalent; ignored` });
    } else {
      jobs.push(name);
      if (u.service !== null) {
        notes.push({
          step: u.step,
          position: u.position,
          message: `${u.stepKind} on '${u.service}' runs as Job '${name}' in a new pod of the service's image, not inside the service's pod${u.volumes.length > 0 ? ' (without its persistent directories)' : ''}`,
        });
      }
      docs.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, labels, annotations },
        spec: {
          backoffLimit: 0,
          ...(u.timeoutMs !== null ? { activeDeadlineSeconds: Math.max(1, Math.ceil(u.timeoutMs / 1000)) } : {}),
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              containers: [{ ...base, ...(mounts.length > 0 ? { volumeMounts: mounts } : {}) }],
              ...(volumes.length > 0 ? { volumes } : {}),
            },
          },
        },
      });
    }
  }
  if (escaper.used.size > 0) {
    const data = Object.fromEntries(
      [...escaper.used].sort(([a], [b]) => Number(a.split('_').at(-1)) - Number(b.split('_').at(-1))).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    docs.unshift({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SENSITIVE_SECRET, labels: { 'app.kubernetes.io/managed-by': 'starform' } },
      type: 'Opaque',
      data,
    });
  }
  return { docs, notes, jobs };
}

/** The header lines on order, shared with the Helm chart. */
export function orderLines(jobs: readonly string[]): string[] {
  if (jobs.length === 0) return ['Order: the manifests start together; readiness probes hold traffic until a service is ready.'];
  return [
    "Order: Kubernetes starts all manifests together. A run of the plan ran them in this file's order",
    '(annotation starform.dev/order); where that matters, apply the manifests up to each Job and wait for it:',
    ...jobs.map((j) => `  kubectl wait --for=condition=complete job/${j}`),
  ];
}

export function exportKubernetes(env: ExportEnvironment): ExportResult {
  const { docs, notes, jobs } = kubernetesManifests(env);
  const body = docs.map((d) => `---\n${yamlText(d)}`).join('');
  const header = headerComment('Kubernetes manifests of a starform plan.', env, notes, ['Apply: kubectl apply -f kubernetes.yaml', ...orderLines(jobs)]);
  const sensitive = docs.some((d) => d['kind'] === 'Secret');
  const file: ExportFile = { path: KUBERNETES_FILE, content: `${header}${body}`, mode: sensitive ? 0o600 : 0o644 };
  return { files: [file], notes };
}
