// The Compose target: `docker-compose.yml` plus the folders it bind-mounts, for Docker
// Compose v2 and Debian's docker-compose 1.29 (the Compose specification, no `version:`).
//
//   services           one per service of the end state, named after its host name, on one
//                      network; a fixed `ipv4_address` on a network with an explicit subnet
//                      when the plan uses IP addresses (Compose can pin them, so future
//                      references to addresses become those addresses)
//   one-off steps      one-shot services (`restart: "no"`): exec / wait / request run a new
//                      container of the service's image in the service's network namespace
//                      (`network_mode: service:X`, so 127.0.0.1 is the service) with its
//                      env and mounts; run_sh / run_python run their image. Who needs them
//                      waits with `service_completed_successfully`.
//   readiness          a healthcheck from the port waits (a listening socket in
//                      /proc/net/tcp: needs `sh` and `grep` in the image) and the
//                      ReadyCondition; dependents wait with `service_healthy`.
//   files artifacts    folders under artifacts/ bind-mounted read-only (several artifacts
//                      at one path: merged under mounts/); artifacts that run_sh stores:
//                      named volumes the task fills and the consumers mount.
//   persistent dirs    named volumes `<service>-<key>`.
//   sensitive values   never in the YAML: each is `${STARFORM_SENSITIVE_<n>}`, which
//                      Compose substitutes from `.env` (written 0600) beside the file; every
//                      other `$` is written `$$` so Compose substitutes nothing else.
import type { ExportContainer, ExportEnvironment, ExportFile, ExportMount, ExportNote, ExportResult, ExportService, ExportTask } from './model.js';
import { UserError } from '../util/errors.js';
import { headerComment, yamlText } from './yaml-out.js';
import { STORE_ROOT } from './resolve.js';

const COMPOSE_FILE = 'docker-compose.yml';
const NETWORK = 'starform';

function seconds(msValue: number): string {
  return msValue % 1000 === 0 ? `${msValue / 1000}s` : `${msValue}ms`;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'root';
}

/** Turns every string of the document into Compose's escaped form, sensitive values into variables. */
class Escaper {
  readonly used = new Map<string, string>();
  constructor(private readonly sensitive: readonly string[]) {}

  text(s: string): string {
    let out = s.replace(/\$/g, '$$$$');
    this.sensitive.forEach((value, i) => {
      const escaped = value.replace(/\$/g, '$$$$');
      if (!out.includes(escaped)) return;
      const name = `STARFORM_SENSITIVE_${i + 1}`;
      this.used.set(name, value);
      out = out.split(escaped).join(`\${${name}}`);
    });
    return out;
  }

  deep(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.deep(x));
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.deep(x);
      return out;
    }
    return v;
  }
}

export function exportCompose(env: ExportEnvironment): ExportResult {
  const notes: ExportNote[] = [...env.notes];
  const files: ExportFile[] = [];
  const artifactDir = new Map<string, string>();
  for (const a of env.artifacts) {
    const dir = `artifacts/${slug(a.name)}`;
    artifactDir.set(a.name, dir);
    for (const f of a.files) files.push({ path: `${dir}/${f.path}`, content: f.content, mode: a.sensitive ? 0o600 : 0o644 });
  }
  const artifactsByName = new Map(env.artifacts.map((a) => [a.name, a]));
  const namedVolumes = new Set<string>();

  /** `owner`: whose persistent directories these are (a task on a service shares the service's). */
  const mountsOf = (unit: ExportContainer & { name: string; step: string; position: string; owner: string }): string[] => {
    const out: string[] = [];
    unit.mounts.forEach((m: ExportMount, i) => {
      const stored = m.artifacts.filter((a) => env.storedArtifacts.has(a));
      if (stored.length > 0) {
        if (m.artifacts.length > 1) {
          notes.push({
            step: unit.step,
            position: unit.position,
            message: `'${unit.name}': ${m.path} merges files artifacts of which '${stored[0]}' is stored by a task; only that one is mounted`,
          });
        }
        const volume = `artifact-${slug(stored[0]!)}`;
        namedVolumes.add(volume);
        out.push(`${volume}:${m.path}:ro`);
        return;
      }
      if (m.artifacts.length === 1) {
        out.push(`./${artifactDir.get(m.artifacts[0]!)}:${m.path}:ro`);
        return;
      }
      const dir = `mounts/${slug(unit.name)}/${i + 1}`;
      const merged = new Map<string, { content: Uint8Array; sensitive: boolean }>();
      for (const name of m.artifacts) {
        const a = artifactsByName.get(name);
        for (const f of a?.files ?? []) merged.set(f.path, { content: f.content, sensitive: a!.sensitive });
      }
      for (const [path, f] of [...merged].sort(([x], [y]) => (x < y ? -1 : 1)))
        files.push({ path: `${dir}/${path}`, content: f.content, mode: f.sensitive ? 0o600 : 0o644 });
      out.push(`./${dir}:${m.path}:ro`);
    });
    for (const v of unit.volumes) {
      const volume = `${slug(unit.owner)}-${slug(v.key)}`;
      namedVolumes.add(volume);
      out.push(`${volume}:${v.path}`);
    }
    for (const s of unit.stores) {
      const volume = `artifact-${slug(s.artifact)}`;
      namedVolumes.add(volume);
      out.push(`${volume}:${STORE_ROOT}/${s.artifact}`);
    }
    return out;
  };

  const container = (u: ExportContainer): Record<string, unknown> => ({
    image: u.image,
    ...(u.entrypoint.length > 0 ? { entrypoint: [...u.entrypoint] } : {}),
    ...(u.cmd.length > 0 ? { command: [...u.cmd] } : {}),
    ...(u.env.length > 0 ? { environment: Object.fromEntries(u.env) } : {}),
    ...(u.user !== null ? { user: u.user.gid === null ? String(u.user.uid) : `${u.user.uid}:${u.user.gid}` } : {}),
  });

  const dependsOn = (u: ExportService | ExportTask): Record<string, unknown> => {
    const present = new Set(env.units.map((x) => x.name));
    const deps = u.dependsOn.filter((d) => present.has(d.name));
    if (deps.length === 0) return {};
    const word = { started: 'service_started', healthy: 'service_healthy', completed: 'service_completed_successfully' } as const;
    return { depends_on: Object.fromEntries(deps.map((d) => [d.name, { condition: word[d.condition] }])) };
  };

  const healthcheck = (s: ExportService): Record<string, unknown> => {
    if (s.checks.length === 0) return {};
    const interval = Math.min(...s.checks.map((c) => c.intervalMs));
    const budget = Math.max(...s.checks.map((c) => c.timeoutMs));
    const test =
      s.checks.length === 1 && !s.checks[0]!.shell
        ? ['CMD', ...s.checks[0]!.command]
        : ['CMD-SHELL', s.checks.map((c) => (c.shell ? c.command[0]! : c.command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' '))).join(' && ')];
    return {
      healthcheck: { test, interval: seconds(interval), timeout: '10s', retries: Math.max(1, Math.ceil(budget / interval)) },
    };
  };

  const network = (name: string): Record<string, unknown> => {
    const ip = env.addresses.get(name);
    return { networks: { [NETWORK]: ip !== undefined ? { ipv4_address: ip } : null } };
  };

  const services: Record<string, unknown> = {};
  const present = new Set(env.units.filter((u) => u.kind === 'service').map((u) => u.name));
  for (const u of env.units) {
    const volumes = mountsOf({ ...u, owner: u.kind === 'task' ? (u.service ?? u.name) : u.name });
    if (u.kind === 'service') {
      const ports = u.ports.filter((p) => p.published).map((p) => `127.0.0.1:${p.publicPort ?? ''}:${p.number}/${p.protocol.toLowerCase()}`);
      if (u.ports.some((p) => p.protocol === 'SCTP'))
        notes.push({ step: u.step, position: u.position, message: `'${u.name}': SCTP ports are published as sctp, which docker-compose 1.29 may refuse` });
      services[u.name] = {
        ...container(u),
        ...(ports.length > 0 ? { ports } : {}),
        ...(volumes.length > 0 ? { volumes } : {}),
        ...dependsOn(u),
        ...healthcheck(u),
        ...(u.labels.length > 0 ? { labels: Object.fromEntries(u.labels) } : {}),
        ...(u.cpu.max > 0 ? { cpus: u.cpu.max / 1000 } : {}),
        ...(u.memoryMb.max > 0 ? { mem_limit: `${u.memoryMb.max}m` } : {}),
        ...(u.memoryMb.min > 0 ? { mem_reservation: `${u.memoryMb.min}m` } : {}),
        ...(u.init ? { init: true } : {}),
        ...(u.tty ? { tty: true } : {}),
        ...(u.capabilities.length > 0 ? { cap_add: [...u.capabilities] } : {}),
        ...(u.privileged ? { privileged: true } : {}),
        ...(u.stopped ? { profiles: ['stopped'] } : {}),
        ...network(u.name),
      };
      if (u.cpu.min > 0)
        notes.push({
          step: u.step,
          position: u.position,
          message: `'${u.name}': min_cpu (a reservation) is not expressible in Compose without swarm; left out`,
        });
    } else {
      const target = u.service !== null && present.has(u.service) ? u.service : null;
      services[u.name] = {
        ...container(u),
        ...(volumes.length > 0 ? { volumes } : {}),
        ...dependsOn(u),
        restart: 'no',
        labels: { 'dev.starform.step': u.step },
        ...(target !== null ? { network_mode: `service:${target}` } : network(u.name)),
      };
      if (u.timeoutMs !== null && u.stepKind !== 'wait') {
        notes.push({ step: u.step, position: u.position, message: `'${u.name}': its time limit (${seconds(u.timeoutMs)}) is not enforced by Compose` });
      }
    }
  }

  const escaper = new Escaper(env.sensitive);
  const doc: Record<string, unknown> = {
    services: escaper.deep(services),
    networks: { [NETWORK]: env.subnet !== null ? { ipam: { config: [{ subnet: env.subnet }] } } : {} },
    ...(namedVolumes.size > 0 ? { volumes: Object.fromEntries([...namedVolumes].sort().map((v) => [v, {}])) } : {}),
  };
  const extra = ['Run: docker-compose up -d   (or: docker compose up -d); remove: docker-compose down -v.'];
  if (escaper.used.size > 0) extra.push('Sensitive values are ${STARFORM_SENSITIVE_n} variables; Compose reads them from .env beside this file (mode 0600).');
  const text = `${headerComment('Docker Compose definition of a starform plan.', env, notes, extra)}${yamlText(doc)}`;
  const out: ExportFile[] = [{ path: COMPOSE_FILE, content: text, mode: 0o644 }];
  if (escaper.used.size > 0) {
    if ([...escaper.used.values()].some((v) => /[\r\n]/.test(v))) {
      throw new UserError("a sensitive value of the plan spans lines; Compose's .env file cannot hold it", {
        hint: 'Export with --format kubernetes, whose Secrets can.',
      });
    }
    const lines = [...escaper.used].sort(([a], [b]) => Number(a.split('_').at(-1)) - Number(b.split('_').at(-1))).map(([k, v]) => `${k}=${v}\n`);
    out.push({ path: '.env', content: lines.join(''), mode: 0o600 });
  }
  return { files: [...out, ...files], notes };
}
