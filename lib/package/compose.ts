// Docker Compose packages: a package directory with no kurtosis.yml and no main.star but a
// Compose file (compose.yml, compose.yaml, docker-compose.yml, docker-compose.yaml,
// docker_compose.yml, docker_compose.yaml — the first found) is planned as Kurtosis plans
// it: the Compose file is transpiled into a Starlark `run(plan)` and that runs.
//
// The transpilation follows Kurtosis's docker_compose_transpiler:
//   - `${VAR}`-style interpolation from the package's `.env` file (not the shell's
//     environment), with the `:-`, `-`, `:?`, `?`, `:+`, `+` forms and `$$` for `$`;
//   - a service per Compose service, named by container_name when given, in RFC 1035 form,
//     added in depends_on order (ties broken by name); a cycle is an error;
//   - image, or build (context, target) as ImageBuildSpec(image_name = "<name>-image");
//   - ports as PortSpec "port0", "port1", ... of the container port and protocol, "http"
//     for 80, 443, 8000 and 8080; host ports are not published (Kurtosis does not either);
//   - entrypoint and command (a string is split as a shell would);
//   - environment (sorted) then each env_file's variables;
//   - volumes: a relative bind mount is uploaded (upload_files, "<name>--volume<i>") and
//     mounted, a file through files_to_be_moved; an absolute bind mount or a named volume
//     is a persistent Directory with key "<name>--volume<i>";
//   - deploy.resources.reservations: memory as min_memory (MB), cpus as min_cpu
//     (cpus × 1024, as Kurtosis computes it).
// Compose keys Kurtosis does not translate are ignored, as there.
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../util/errors.js';

export const COMPOSE_FILES = ['compose.yml', 'compose.yaml', 'docker-compose.yml', 'docker-compose.yaml', 'docker_compose.yml', 'docker_compose.yaml'];

/** What the transpiler needs of the package around the Compose file. */
export interface ComposeContext {
  /** How messages name the Compose file. */
  readonly file: string;
  /** A text file of the package (path relative to the package root), undefined if absent. */
  readonly readText: (path: string) => string | undefined;
  /** Whether a package path is a directory (false for a file; undefined if absent). */
  readonly isDirectory: (path: string) => boolean | undefined;
}

type Yaml = null | boolean | number | string | Yaml[] | { [k: string]: Yaml };

const HTTP_PORTS = new Set([8080, 8000, 80, 443]);
const PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

/** The Starlark source Kurtosis would run for this Compose file. */
export function transpileCompose(text: string, ctx: ComposeContext): string {
  const fail = (message: string): never => {
    throw new UserError(`Docker Compose package: ${message}`, { location: { file: ctx.file } });
  };
  const env = parseDotEnv(ctx.readText('.env') ?? '');
  const doc = parseDocument(text, { prettyErrors: false, merge: true });
  if (doc.errors[0]) fail(`not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  const root = interpolate(doc.toJS() as Yaml, env, fail);
  if (!isMap(root)) return fail('the Compose file must be a mapping');
  const services = root['services'];
  if (!isMap(services)) return fail("the Compose file has no 'services'");

  const containerNames = new Map<string, string>();
  for (const [name, s] of Object.entries(services)) {
    if (isMap(s) && typeof s['container_name'] === 'string' && s['container_name'] !== '') containerNames.set(name, s['container_name']);
  }
  const kurtosisName = (composeName: string): string => rfc1035(containerNames.get(composeName) ?? composeName);

  const configs = new Map<string, string>();
  const uploads = new Map<string, [string, string][]>();
  const deps = new Map<string, Set<string>>();
  for (const [composeName, raw] of Object.entries(services)) {
    const s = isMap(raw) ? raw : {};
    const name = kurtosisName(composeName);
    const kw: string[] = [];
    const build = s['build'];
    if (build !== undefined && build !== null) {
      const b = typeof build === 'string' ? { context: build } : isMap(build) ? build : {};
      const parts = [`image_name = ${q(`${name}-image`)}`];
      if (typeof b['context'] === 'string' && b['context'] !== '') parts.push(`build_context_dir = ${q(b['context'])}`);
      if (typeof b['target'] === 'string' && b['target'] !== '') parts.push(`target_stage = ${q(b['target'])}`);
      kw.push(`image = ImageBuildSpec(${parts.join(', ')})`);
    } else {
      kw.push(`image = ${q(typeof s['image'] === 'string' ? s['image'] : '')}`);
    }
    if (Array.isArray(s['ports'])) {
      const ports = expandPorts(s['ports'], fail).map(
        (p, i) =>
          `${q(`port${i}`)}: PortSpec(number = ${p.target}, transport_protocol = ${q(p.protocol)}${HTTP_PORTS.has(p.target) ? ', application_protocol = "http"' : ''})`,
      );
      kw.push(`ports = {${ports.join(', ')}}`);
    }
    if (s['entrypoint'] !== undefined && s['entrypoint'] !== null) kw.push(`entrypoint = ${list(shellCommand(s['entrypoint'], fail))}`);
    if (s['command'] !== undefined && s['command'] !== null) kw.push(`cmd = ${list(shellCommand(s['command'], fail))}`);
    if (s['environment'] !== undefined || s['env_file'] !== undefined) {
      const vars: [string, string][] = [...environment(s['environment'], env)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const files = s['env_file'] === undefined || s['env_file'] === null ? [] : Array.isArray(s['env_file']) ? s['env_file'] : [s['env_file']];
      const dict = new Map(vars);
      for (const f of files) {
        const path = typeof f === 'string' ? f : isMap(f) && typeof f['path'] === 'string' ? f['path'] : '';
        const content = ctx.readText(posix.normalize(path));
        if (content === undefined) fail(`service ${composeName}: env_file ${path} not found in the package`);
        for (const [k, v] of parseDotEnv(content!)) dict.set(k, v);
      }
      kw.push(`env_vars = {${[...dict].map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ')}}`);
    }
    if (Array.isArray(s['volumes'])) {
      const files: string[] = [];
      const moved: string[] = [];
      const up: [string, string][] = [];
      s['volumes'].forEach((v, i) => {
        const vol = volume(v, fail);
        const key = `${name}--volume${i}`;
        const persist = vol.type === 'volume' || (vol.type === 'bind' && posix.isAbsolute(vol.source.replace(/~|\.\.|_/g, '')));
        let target = vol.target;
        if (persist) {
          files.push(`${q(target)}: Directory(persistent_key = ${q(key)})`);
          return;
        }
        up.push([vol.source, key]);
        const isDir = ctx.isDirectory(posix.normalize(vol.source));
        if (isDir === undefined) fail(`service ${composeName}: volume ${vol.source} does not exist in the package`);
        if (!isDir) {
          target = posix.join('/tmp', key);
          moved.push(`${q(posix.join(target, posix.basename(vol.source)))}: ${q(vol.target)}`);
        }
        files.push(`${q(target)}: ${q(key)}`);
      });
      kw.push(`files = {${files.join(', ')}}`);
      if (moved.length > 0) kw.push(`files_to_be_moved = {${moved.join(', ')}}`);
      uploads.set(
        name,
        up.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    const deploy = s['deploy'];
    if (deploy !== undefined && deploy !== null) {
      const res = isMap(deploy) && isMap(deploy['resources']) ? deploy['resources'] : {};
      const reservations = isMap(res['reservations']) ? res['reservations'] : undefined;
      const mem = reservations ? Math.trunc(bytes(reservations['memory'], fail) / (1024 * 1024)) : 0;
      const cpus = reservations ? Number(reservations['cpus'] ?? 0) : 0;
      kw.push(`min_memory = ${mem}`, `min_cpu = ${Number.isFinite(cpus) ? Math.trunc(cpus * 1024) : 0}`);
    }
    const dependsOn = s['depends_on'];
    const on = Array.isArray(dependsOn) ? dependsOn.map(String) : isMap(dependsOn) ? Object.keys(dependsOn) : [];
    deps.set(name, new Set(on.map(kurtosisName)));
    configs.set(name, `ServiceConfig(${kw.join(', ')})`);
  }

  const lines = ['# Transpiled from a Docker Compose file, as Kurtosis transpiles it.', 'def run(plan):'];
  for (const name of dependencyOrder(deps, fail)) {
    for (const [src, artifact] of uploads.get(name) ?? []) lines.push(`    plan.upload_files(src = ${q(src)}, name = ${q(artifact)})`);
    lines.push(`    plan.add_service(name = ${q(name)}, config = ${configs.get(name)})`);
  }
  if (configs.size === 0) lines.push('    pass');
  return `${lines.join('\n')}\n`;
}

function isMap(v: Yaml | undefined): v is { [k: string]: Yaml } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A Starlark string literal. */
function q(s: string): string {
  return JSON.stringify(s);
}

function list(items: readonly string[]): string {
  return `[${items.map(q).join(', ')}]`;
}

function rfc1035(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Kahn's algorithm, ties broken by name, as Kurtosis orders add_service calls. */
function dependencyOrder(graph: Map<string, Set<string>>, fail: (m: string) => never): string[] {
  const pending = new Map([...graph].map(([k, v]) => [k, new Set(v)]));
  const out: string[] = [];
  const queue = [...pending]
    .filter(([, d]) => d.size === 0)
    .map(([k]) => k)
    .sort();
  while (queue.length > 0) {
    const done = queue.shift()!;
    out.push(done);
    pending.delete(done);
    const ready: string[] = [];
    for (const [k, d] of pending) {
      if (d.delete(done) && d.size === 0) ready.push(k);
    }
    queue.push(...ready.sort());
  }
  if (pending.size > 0) fail(`a cycle in depends_on between ${[...pending.keys()].sort().join(', ')}`);
  return out;
}

/** `${VAR}` interpolation in every string value, as Compose does. */
function interpolate(v: Yaml, env: ReadonlyMap<string, string>, fail: (m: string) => never): Yaml {
  if (typeof v === 'string') return interpolateString(v, env, fail);
  if (Array.isArray(v)) return v.map((e) => interpolate(e, env, fail));
  if (isMap(v)) {
    const out: { [k: string]: Yaml } = {};
    for (const [k, e] of Object.entries(v))
      Object.defineProperty(out, k, { value: interpolate(e, env, fail), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function interpolateString(s: string, env: ReadonlyMap<string, string>, fail: (m: string) => never): string {
  return s.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, dollar: string, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (dollar === '$') return '$';
      const name = (braced ?? bare)!;
      const value = env.get(name);
      const unsetOrEmpty = value === undefined || value === '';
      const nested = (): string => interpolateString(arg ?? '', env, fail);
      switch (op) {
        case ':-':
          return unsetOrEmpty ? nested() : value!;
        case '-':
          return value === undefined ? nested() : value;
        case ':?':
          return unsetOrEmpty ? fail(`required variable ${name} is missing a value: ${nested()}`) : value!;
        case '?':
          return value === undefined ? fail(`required variable ${name} is missing a value: ${nested()}`) : value;
        case ':+':
          return unsetOrEmpty ? '' : nested();
        case '+':
          return value === undefined ? '' : nested();
        default:
          return value ?? '';
      }
    },
  );
}

/** A .env file: KEY=VALUE lines (optionally `export`), quotes, `#` comments. */
function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^'[^']*'/.test(value)) value = /^'([^']*)'/.exec(value)![1]!;
    else if (/^"(?:[^"\\]|\\.)*"/.test(value)) value = JSON.parse(/^"(?:[^"\\]|\\.)*"/.exec(value)![0].replace(/\\([^"\\nrt])/g, '$1')) as string;
    else value = value.replace(/\s+#.*$/, '').trim();
    out.set(m[1]!, value);
  }
  return out;
}

function environment(v: Yaml | undefined, env: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = String(e);
      const eq = s.indexOf('=');
      if (eq < 0) {
        const from = env.get(s);
        if (from !== undefined) out.set(s, from);
      } else out.set(s.slice(0, eq), s.slice(eq + 1));
    }
  } else if (isMap(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) {
        const from = env.get(k);
        if (from !== undefined) out.set(k, from);
      } else out.set(k, typeof e === 'string' ? e : String(e));
    }
  }
  return out;
}

/** A command as a list: a string is split as a POSIX shell splits words. */
function shellCommand(v: Yaml, fail: (m: string) => never): string[] {
  if (Array.isArray(v)) return v.map((e) => String(e));
  const s = String(v);
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) fail(`unterminated quote in ${JSON.stringify(s)}`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1]!)) j++;
        cur += s[j];
      }
      if (j >= s.length) fail(`unterminated quote in ${JSON.stringify(s)}`);
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Compose ports (short "[ip:][host:]container[/proto]" with ranges, or long form) → container port and protocol. */
function expandPorts(ports: readonly Yaml[], fail: (m: string) => never): { target: number; protocol: string }[] {
  const out: { target: number; protocol: string }[] = [];
  for (const p of ports) {
    if (isMap(p)) {
      const proto = PROTOCOLS[String(p['protocol'] ?? 'tcp').toLowerCase()];
      if (!proto) fail(`port protocol ${String(p['protocol'])} is not supported`);
      out.push({ target: Number(p['target']), protocol: proto! });
      continue;
    }
    const text = String(p);
    const [spec = '', protoText = 'tcp'] = text.split('/');
    const proto = PROTOCOLS[protoText.toLowerCase()];
    if (!proto) fail(`port ${text}: protocol ${protoText} is not supported`);
    const container = spec.split(':').pop()!;
    const range = /^(\d+)(?:-(\d+))?$/.exec(container);
    if (!range) fail(`port ${text} is not a Compose port`);
    const from = Number(range![1]);
    const to = range![2] === undefined ? from : Number(range![2]);
    for (let n = from; n <= to; n++) out.push({ target: n, protocol: proto! });
  }
  return out;
}

/** A Compose volume (short "src:target[:mode]" or long form). */
function volume(v: Yaml, fail: (m: string) => never): { type: 'bind' | 'volume' | 'tmpfs'; source: string; target: string } {
  if (isMap(v)) {
    const type = String(v['type'] ?? 'volume');
    return { type: type === 'bind' ? 'bind' : type === 'tmpfs' ? 'tmpfs' : 'volume', source: String(v['source'] ?? ''), target: String(v['target'] ?? '') };
  }
  const parts = String(v).split(':');
  if (parts.length === 1) return { type: 'volume', source: '', target: parts[0]! };
  const [source = '', target = ''] = parts;
  if (target === '') fail(`volume ${String(v)} has no target`);
  const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  return { type: isPath ? 'bind' : 'volume', source, target };
}

/** "512M", "1g", 1048576 → bytes (1024-based, as Compose reads them). */
function bytes(v: Yaml | undefined, fail: (m: string) => never): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$/i.exec(String(v));
  if (!m) return fail(`memory ${String(v)} is not a size`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.trunc(Number(m[1]) * scale);
}
