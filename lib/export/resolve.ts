// From a saved plan's instruction list to the end state it describes (model.ts), shared by
// every export target.
//
// The plan is walked in order, as apply would run it, but nothing runs: services become
// their resolved configuration, files artifacts whose content the plan file holds
// (upload_files, render_templates — rendered here with lib/template, the engine apply
// uses) become their files, one-off steps become tasks a target can run to completion,
// and remove_service / stop_service / start_service decide which services the end state
// has and which are defined but stopped.
//
// Dependencies are the plan's own graph: lib/apply/graph.ts's buildWork, the one apply
// schedules by (a step waits for the last writer of every service, artifact and step it
// reads). Each unit depends on the nearest exported units behind its graph edges — a
// dependency on a step that exports to nothing (a rendered template, a print) is followed
// through to what that step depends on — with the condition the dependency needs: a
// service ready (healthy when it has checks, started otherwise), a task completed.
//
// Future references: `service.X.hostname` is X everywhere (targets name services after
// their host names); `service.X.ip_address` and the own-address placeholder are what the
// target's Addressing says (Compose: fixed addresses on its network; Kubernetes: the
// Service's DNS name and the pod IP). Any other reference is a value only a run of the
// plan produces: it stays as its text and a note says where.
import { buildWork } from '../apply/graph.js';
import { descriptorOf, isInstructionKind, referencesIn, type Instruction, type InstructionKind } from '../instructions/index.js';
import { parseGoDuration } from '../plan/canonical.js';
import type { SavedPlan, InstructionRecord } from '../planfile/index.js';
import { renderTemplate } from '../template/index.js';
import { UserError } from '../util/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';
import type {
  DependencyCondition,
  ExportArtifact,
  ExportCheck,
  ExportDependency,
  ExportEnvironment,
  ExportMount,
  ExportNote,
  ExportPort,
  ExportService,
  ExportTask,
  ExportUnit,
  ExportVolume,
} from './model.js';

/** How a target spells addresses. */
export interface Addressing {
  /** Fixed IPv4 addresses for the services on a network of this subnet (`a.b.c.0/24`); absent: names only. */
  readonly subnet?: string;
  /** What `service.X.ip_address` becomes when addresses are not fixed. */
  readonly ipOf: (service: string) => string;
  /** What a service's own-address placeholder becomes when addresses are not fixed. */
  readonly ownAddress: string;
  /** A note for plans that use IP addresses the target cannot pin (null: it can). */
  readonly ipNote: string | null;
  /** The host a one-off step reaches service X at (Compose: 127.0.0.1 in X's network namespace). */
  readonly taskHost: (service: string) => string;
}

/** A saved plan with the checksum of its file. */
export interface ExportInput {
  readonly plan: SavedPlan;
  readonly checksum: string;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The plan module's record, from a verified plan file's instruction (its core plus the fields the graph reads). */
function instructionOf(rec: InstructionRecord): Instruction {
  if (!isInstructionKind(rec.kind)) {
    throw new UserError(`the plan has an instruction of kind '${rec.kind}', which this starform cannot export`, {
      location: rec.position,
    });
  }
  const declares = rec['declares'];
  const d = isJsonObject(declares as JsonValue) ? (declares as JsonObject) : undefined;
  return {
    id: rec.id,
    kind: rec.kind as InstructionKind,
    args: rec.args,
    description: typeof rec['description'] === 'string' ? rec['description'] : rec.kind,
    position: rec.position,
    stack: rec.stack,
    ...(d !== undefined && (d['type'] === 'service' || d['type'] === 'artifact') && typeof d['name'] === 'string'
      ? { declares: { type: d['type'], name: d['name'] } }
      : {}),
    services: strings(rec['services']),
    artifacts: strings(rec['artifacts']),
    refs: strings(rec['refs']),
    produces: strings(rec['produces']),
  };
}

function where(ins: Instruction): string {
  return `${ins.position.file}:${ins.position.line}:${ins.position.col}`;
}

function ms(text: string): number {
  return Number(parseGoDuration(text, 'duration') / 1_000_000n);
}

/** Quotes a word for /bin/sh. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The /proc/net/tcp test for a listening TCP port: needs only `sh` and `grep` in the image. */
function portOpenCommand(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return `grep -Eq ':${hex} [0-9A-F]+:[0-9A-F]+ 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null`;
}

const NUMERIC_TESTS: { readonly [assertion: string]: string } = { '==': '-eq', '!=': '-ne', '<': '-lt', '<=': '-le', '>': '-gt', '>=': '-ge' };

/** Fixed IPv4 addresses: .10, .11, ... of the subnet, in order of the services' first add_service. */
function allocateAddresses(subnet: string, names: readonly string[]): Map<string, string> {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(subnet);
  const octets = m === null ? [] : m.slice(1, 5).map(Number);
  const prefix = m === null ? NaN : Number(m[5]);
  if (m === null || octets.some((o) => o > 255) || !(prefix >= 8 && prefix <= 28)) {
    throw new UserError(`--subnet must be an IPv4 network such as 10.201.7.0/24 (prefix 8 to 28), not '${subnet}'`);
  }
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new UserError(`--subnet ${subnet}: the address is not the start of a /${prefix} network`);
  if (names.length + 11 > size) throw new UserError(`--subnet ${subnet} has too few addresses for ${names.length} services`);
  const out = new Map<string, string>();
  names.forEach((name, i) => {
    const a = base + 10 + i;
    out.set(name, [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'));
  });
  return out;
}

interface ConfigArgs extends JsonObject {
  readonly image: JsonObject;
  readonly ports: { readonly [id: string]: JsonObject };
  readonly public_ports: { readonly [id: string]: JsonObject };
  readonly files: { readonly [path: string]: JsonObject };
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env_vars: { readonly [k: string]: string };
  readonly labels: { readonly [k: string]: string };
  readonly ready_conditions: JsonObject | null;
  readonly user: { readonly uid: number; readonly gid: number | null } | null;
  readonly private_ip_address_placeholder: string;
}

/** A ServiceConfig's canonical args (the plan module wrote them; the file's checksum vouches). */
function configOf(value: JsonValue | undefined): ConfigArgs {
  if (!isJsonObject(value)) throw new UserError('an add_service of the plan has no config');
  return value as ConfigArgs;
}

/** Reads a field of canonical args with the type the plan module writes (the checksum vouches for the writer). */
function field<T>(args: JsonObject, key: string, fallback: T): T {
  const v = args[key];
  return v === undefined || v === null ? fallback : (v as T);
}

class Resolution {
  readonly notes: ExportNote[] = [];
  readonly units: ExportUnit[] = [];
  readonly artifacts: ExportArtifact[] = [];
  readonly storedArtifacts = new Map<string, string>();
  /** Artifacts that exist only at run time of the plan (store_service_files). */
  private readonly runtimeArtifacts = new Set<string>();
  private readonly unitOfStep = new Map<string, ExportUnit>();
  /** Each files artifact name's current content, by key: the name, then `name-2`... when produced again. */
  private readonly currentKey = new Map<string, string>();
  private readonly instructions: Instruction[];
  private readonly deps: number[][];
  private addresses = new Map<string, string>();
  private readonly serviceNames: string[];

  constructor(
    private readonly input: ExportInput,
    private readonly addressing: Addressing,
  ) {
    this.instructions = input.plan.instructions.map(instructionOf);
    const work = buildWork(
      this.instructions,
      this.instructions.map((ins, i) => ({ stepId: ins.id, action: 'create', kind: ins.kind, instruction: i })),
    );
    this.deps = work.map((w) => [...w.deps]);
    const names: string[] = [];
    for (const ins of this.instructions) {
      if (ins.kind === 'add_service') {
        const name = String(ins.args['name']);
        if (!names.includes(name)) names.push(name);
      }
    }
    this.serviceNames = names;
  }

  note(ins: Instruction | null, message: string): void {
    this.notes.push({ step: ins?.id ?? '*', position: ins === null ? '-' : where(ins), message });
  }

  run(): void {
    const needsIp =
      this.instructions.some((ins) => JSON.stringify(ins.args).includes('.ip_address}}')) ||
      this.instructions.some((ins) => ins.kind === 'add_service' && this.usesPlaceholder(ins));
    if (this.addressing.subnet !== undefined) allocateAddresses(this.addressing.subnet, []);
    if (needsIp && this.addressing.subnet !== undefined) this.addresses = allocateAddresses(this.addressing.subnet, this.serviceNames);
    else if (needsIp && this.addressing.ipNote !== null) this.note(null, this.addressing.ipNote);
    this.instructions.forEach((ins, i) => this.step(ins, i));
  }

  get fixedAddresses(): ReadonlyMap<string, string> {
    return this.addresses;
  }

  private usesPlaceholder(ins: Instruction): boolean {
    const config = ins.args['config'] as JsonObject;
    const placeholder = String(config['private_ip_address_placeholder'] ?? '');
    if (placeholder === '') return false;
    const text = JSON.stringify([config['cmd'], config['entrypoint'], config['env_vars']]);
    return text.includes(placeholder);
  }

  /** Replaces future references in one string (see the file comment). */
  text(s: string, ins: Instruction, what: string): string {
    if (!s.includes('{{starform:')) return s;
    let out = s;
    for (const r of referencesIn(s)) {
      const service = r.stepId.startsWith('service.') ? r.stepId.slice('service.'.length) : null;
      let value: string | null = null;
      if (service !== null && r.field === 'hostname') value = service;
      else if (service !== null && r.field === 'ip_address') value = this.addresses.get(service) ?? this.addressing.ipOf(service);
      if (value === null) {
        this.note(ins, `${what} uses ${r.text}, a value only a run of the plan produces: written as that text`);
        continue;
      }
      out = out.split(r.text).join(value);
    }
    return out;
  }

  private textDeep(value: JsonValue, ins: Instruction, what: string): JsonValue {
    if (typeof value === 'string') return this.text(value, ins, what);
    if (Array.isArray(value)) return (value as readonly JsonValue[]).map((v) => this.textDeep(v, ins, what));
    if (isJsonObject(value)) {
      const out: { [k: string]: JsonValue } = {};
      for (const k of Object.keys(value)) out[this.text(k, ins, what)] = this.textDeep(value[k]!, ins, what);
      return out;
    }
    return value;
  }

  private step(ins: Instruction, index: number): void {
    // Steps that only read (lookups): nothing to export, nothing to note.
    if (descriptorOf(ins.kind).role === 'lookup') return;
    switch (ins.kind) {
      case 'add_service':
        return this.addService(ins, index);
      case 'upload_files':
        return this.upload(ins);
      case 'render_templates':
        return this.render(ins);
      case 'store_service_files':
        this.runtimeArtifacts.add(String(ins.args['name']));
        this.currentKey.delete(String(ins.args['name']));
        return this.note(
          ins,
          `store_service_files copies '${String(ins.args['src'])}' out of the running service '${String(ins.args['service_name'])}': files artifact '${String(ins.args['name'])}' has no content before the environment runs, so it is not exported (nor its mounts)`,
        );
      case 'remove_service':
        this.dropService(String(ins.args['name']));
        return this.note(
          ins,
          `remove_service: service '${String(ins.args['name'])}' is not part of the end state and is not exported${this.units.some((u) => u.kind === 'task' && u.service === String(ins.args['name'])) ? '; the steps that ran in it before run in containers of its image' : ''}`,
        );
      case 'stop_service':
      case 'start_service':
        return this.setStopped(String(ins.args['name']), ins.kind === 'stop_service', ins);
      case 'exec':
      case 'wait':
      case 'request':
        return this.serviceTask(ins, index);
      case 'run_sh':
      case 'run_python':
        return this.runTask(ins, index);
      case 'verify':
        return this.note(ins, `verify (${String(ins.args['assertion'])}) checks values of a run of the plan: not expressible, not exported`);
      case 'print':
        return this.note(ins, 'print: the message is printed by a run of the plan only; not exported');
      default:
        return this.note(ins, `${ins.kind}: not expressible, not exported`);
    }
  }

  private dropService(name: string): void {
    const i = this.units.findIndex((u) => u.kind === 'service' && u.name === name);
    if (i < 0) return;
    const [unit] = this.units.splice(i, 1);
    for (const [step, u] of this.unitOfStep) if (u === unit) this.unitOfStep.delete(step);
  }

  private setStopped(name: string, stopped: boolean, ins: Instruction): void {
    const i = this.units.findIndex((u) => u.kind === 'service' && u.name === name);
    const unit = this.units[i];
    if (unit === undefined || unit.kind !== 'service') return;
    const next: ExportService = { ...unit, stopped };
    this.units[i] = next;
    for (const [step, u] of this.unitOfStep) if (u === unit) this.unitOfStep.set(step, next);
    if (stopped) this.note(ins, `stop_service: service '${name}' is defined but not started`);
  }

  /** The exported units the instruction at `index` depends on, through steps that export to nothing. */
  private dependencies(index: number, self: string): ExportDependency[] {
    const found = new Map<string, DependencyCondition>();
    const seen = new Set<number>();
    const visit = (i: number): void => {
      for (const d of this.deps[i] ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        const ins = this.instructions[d]!;
        const unit = this.unitOfStep.get(ins.id) ?? this.serviceActedOn(ins);
        if (unit !== undefined && unit.name !== self) {
          const condition: DependencyCondition = unit.kind === 'task' ? 'completed' : unit.checks.length > 0 ? 'healthy' : 'started';
          found.set(unit.name, condition);
        } else {
          visit(d);
        }
      }
    };
    visit(index);
    return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, condition]) => ({ name, condition }));
  }

  /** For start/stop steps: the service they act on (its readiness is what a dependent waits for). */
  private serviceActedOn(ins: Instruction): ExportUnit | undefined {
    if (ins.kind !== 'start_service') return undefined;
    const name = String(ins.args['name']);
    return this.units.find((u) => u.kind === 'service' && u.name === name);
  }

  private mountsOf(files: { readonly [path: string]: JsonObject }, ins: Instruction, owner: string): { mounts: ExportMount[]; volumes: ExportVolume[] } {
    const mounts: ExportMount[] = [];
    const volumes: ExportVolume[] = [];
    for (const path of Object.keys(files).sort()) {
      const dir = files[path]!;
      const key = dir['persistent_key'];
      if (typeof key === 'string') {
        const size = dir['size'];
        volumes.push({ path, key, sizeMb: typeof size === 'number' ? size : 1024 });
        continue;
      }
      const names = strings(dir['artifact_names']).filter((a) => {
        if (!this.runtimeArtifacts.has(a)) return true;
        this.note(ins, `${owner}: the mount of files artifact '${a}' at ${path} is left out (its content exists only when the plan runs)`);
        return false;
      });
      if (names.length > 0) mounts.push({ path, artifacts: names.map((a) => this.currentKey.get(a) ?? a) });
    }
    return { mounts, volumes };
  }

  private addService(ins: Instruction, index: number): void {
    const name = String(ins.args['name']);
    const config = configOf(ins.args['config']);
    const t = (s: string, what: string): string => this.ownAddress(this.text(s, ins, what), config.private_ip_address_placeholder, name);
    const image = this.imageOf(config.image, ins, `service '${name}'`);
    const ports: ExportPort[] = [];
    const allPorts = { ...config.public_ports, ...config.ports };
    const publishUdp = (ins.args['config'] as JsonObject)['publish_udp'] === true;
    for (const id of Object.keys(config.ports).sort()) {
      const p = config.ports[id]!;
      const pub = config.public_ports[id];
      const protocol = String(p['transport_protocol']) as ExportPort['protocol'];
      const wait = p['wait'];
      ports.push({
        id,
        number: Number(p['number']),
        protocol,
        waitMs: typeof wait === 'string' && protocol === 'TCP' ? ms(wait) : null,
        publicPort: pub !== undefined ? Number(pub['number']) : null,
        published: protocol !== 'UDP' || publishUdp,
      });
    }
    const checks: ExportCheck[] = ports
      .filter((p) => p.waitMs !== null)
      .map((p) => ({ command: [portOpenCommand(p.number)], shell: true, intervalMs: 1000, timeoutMs: p.waitMs!, tcpPort: p.number }));
    const rc = config.ready_conditions;
    if (rc !== null) {
      const check = this.readyCheck(rc, allPorts, ins, name);
      if (check !== null) checks.push(check);
    }
    const { mounts, volumes } = this.mountsOf(config.files, ins, `service '${name}'`);
    const cfg = ins.args['config'] as JsonObject;
    const service: ExportService = {
      kind: 'service',
      name,
      step: ins.id,
      image,
      entrypoint: config.entrypoint.map((s) => t(s, `the entrypoint of '${name}'`)),
      cmd: config.cmd.map((s) => t(s, `the command of '${name}'`)),
      env: Object.keys(config.env_vars)
        .sort()
        .map((k) => [k, t(config.env_vars[k]!, `env ${k} of '${name}'`)] as const),
      mounts,
      volumes,
      user: config.user,
      stores: [],
      ports,
      checks,
      labels: Object.keys(config.labels)
        .sort()
        .map((k) => [k, config.labels[k]!] as const),
      cpu: { min: Number(cfg['min_cpu'] ?? 0), max: Number(cfg['max_cpu'] ?? 0) },
      memoryMb: { min: Number(cfg['min_memory'] ?? 0), max: Number(cfg['max_memory'] ?? 0) },
      tty: cfg['tty_enabled'] === true,
      init: cfg['tini_enabled'] !== false,
      capabilities: strings(cfg['capabilities']),
      privileged: cfg['privileged'] === true,
      dependsOn: this.dependencies(index, name),
      stopped: false,
      position: where(ins),
    };
    this.unsupportedConfig(cfg, ins, name);
    this.dropService(name);
    this.units.push(service);
    this.unitOfStep.set(ins.id, service);
  }

  private unsupportedConfig(cfg: JsonObject, ins: Instruction, name: string): void {
    const say = (what: string): void => this.note(ins, `service '${name}': ${what} is not exported`);
    if (Object.keys(field<JsonObject>(cfg, 'node_selectors', {})).length > 0) say('node_selectors');
    if (field<JsonValue[]>(cfg, 'tolerations', []).length > 0) say('tolerations');
    if (field<JsonValue[]>(cfg, 'devices', []).length > 0) say('devices');
    if (cfg['gpu'] !== null && cfg['gpu'] !== undefined) say('gpu');
    if (cfg['host_pid_namespace'] === true) say('host_pid_namespace');
    if (Object.keys(field<JsonObject>(cfg, 'bind_mounts', {})).length > 0) say('bind_mounts');
  }

  private ownAddress(s: string, placeholder: string, name: string): string {
    if (placeholder === '' || !s.includes(placeholder)) return s;
    return s.split(placeholder).join(this.addresses.get(name) ?? this.addressing.ownAddress);
  }

  private imageOf(image: JsonObject, ins: Instruction, who: string): string {
    switch (image['type']) {
      case 'image':
      case 'registry':
        if (image['type'] === 'registry' && image['password'] !== null)
          this.note(ins, `${who}: the registry credentials of its image are not exported (log in to the registry where the definition runs)`);
        return String(image['image']);
      case 'build':
        this.note(
          ins,
          `${who}: its image is built from '${String(image['build_context_dir'])}' by starform; the definition names the image '${String(image['image_name'])}', which must be built and available where it runs`,
        );
        return String(image['image_name']);
      default:
        this.note(
          ins,
          `${who}: its image is a nix flake build; the definition names the image '${String(image['image_name'])}', which must be built and available where it runs`,
        );
        return String(image['image_name']);
    }
  }

  /** A ReadyCondition as a check, or null (noted) when no command can decide it. */
  private readyCheck(rc: JsonObject, ports: { readonly [id: string]: JsonObject }, ins: Instruction, name: string): ExportCheck | null {
    const recipe = rc['recipe'] as JsonObject;
    const intervalMs = Math.max(ms(String(rc['interval'])), 100);
    const timeoutMs = ms(String(rc['timeout']));
    const test = this.assertionCommand(
      recipe,
      String(rc['field']),
      String(rc['assertion']),
      rc['target_value'] ?? null,
      ports,
      ins,
      `the ready condition of '${name}'`,
    );
    if (test === null) return null;
    const http = recipe['type'] === 'http' ? { port: Number(ports[String(recipe['port_id'])]?.['number']), path: String(recipe['endpoint']) } : undefined;
    return {
      ...test,
      intervalMs,
      timeoutMs,
      ...(http !== undefined && test.plainHttp ? { http } : {}),
    };
  }

  /**
   * A command that succeeds when the recipe's field meets the assertion: exec recipes on
   * `code` (any numeric comparison) or `output` (== / !=), HTTP GET recipes on `code`
   * within 200-299 (wget's success). Anything else: null, noted.
   */
  private assertionCommand(
    recipe: JsonObject,
    fieldName: string,
    assertion: string,
    target: JsonValue,
    ports: { readonly [id: string]: JsonObject },
    ins: Instruction,
    what: string,
    host = '127.0.0.1',
  ): { command: string[]; shell: boolean; plainHttp: boolean } | null {
    const fail = (why: string): null => {
      this.note(ins, `${what}: ${why}; not expressible, left out`);
      return null;
    };
    if (typeof target === 'string' && target.includes('{{starform:')) return fail('its target is a value of a run of the plan');
    if (recipe['type'] === 'exec') {
      const argv = strings(recipe['command']).map((s) => this.text(s, ins, what));
      const line = argv.map(shellQuote).join(' ');
      if (fieldName === 'code' && typeof target === 'number' && NUMERIC_TESTS[assertion] !== undefined) {
        if (assertion === '==' && target === 0) return { command: argv, shell: false, plainHttp: false };
        return { command: [`${line} >/dev/null 2>&1; [ $? ${NUMERIC_TESTS[assertion]} ${target} ]`], shell: true, plainHttp: false };
      }
      if (fieldName === 'output' && typeof target === 'string' && (assertion === '==' || assertion === '!=')) {
        return { command: [`[ "$(${line} 2>/dev/null)" ${assertion === '==' ? '=' : '!='} ${shellQuote(target)} ]`], shell: true, plainHttp: false };
      }
      return fail(`an exec recipe's '${fieldName}' ${assertion} ${JSON.stringify(target)} has no shell test`);
    }
    if (recipe['method'] !== 'GET') return fail('an HTTP POST recipe');
    if (Object.keys(field<JsonObject>(recipe, 'headers', {})).length > 0) return fail('an HTTP recipe with headers');
    const port = ports[String(recipe['port_id'])];
    if (port === undefined) return fail(`port '${String(recipe['port_id'])}' is not a port of the service`);
    const twoHundreds = fieldName === 'code' && typeof target === 'number' && target >= 200 && target <= 299 && assertion === '==';
    if (!twoHundreds) return fail(`an HTTP recipe's '${fieldName}' ${assertion} ${JSON.stringify(target)} (only code == 2xx is checked, with wget)`);
    const endpoint = String(recipe['endpoint']);
    const url = `http://${host}:${Number(port['number'])}${endpoint.startsWith('/') ? '' : '/'}${endpoint}`;
    return { command: [`wget -q -O /dev/null ${shellQuote(url)}`], shell: true, plainHttp: target === 200 };
  }

  private serviceOf(name: string): ExportService | undefined {
    const u = this.units.find((x) => x.kind === 'service' && x.name === name);
    return u?.kind === 'service' ? u : undefined;
  }

  private taskName(ins: Instruction): string {
    const base = ins.id.replace(/[_.#]/g, '-').toLowerCase();
    let name = base;
    for (let n = 2; this.serviceNames.includes(name) || this.units.some((u) => u.name === name); n++) name = `${base}-${n}`;
    return name;
  }

  /** exec, wait and request: a new container of the service's image, in its network namespace. */
  private serviceTask(ins: Instruction, index: number): void {
    const serviceName = String(ins.args['service_name']);
    const service = this.serviceOf(serviceName);
    if (service === undefined) {
      return this.note(ins, `${ins.kind} on service '${serviceName}', which the end state does not have: not exported`);
    }
    const recipe = ins.args['recipe'] as JsonObject;
    const ports = Object.fromEntries(service.ports.map((p) => [p.id, { number: p.number } as JsonObject]));
    let script: string;
    let timeoutMs: number | null = null;
    if (ins.kind === 'wait') {
      const test = this.assertionCommand(
        recipe,
        String(ins.args['field']),
        String(ins.args['assertion']),
        ins.args['target_value'] ?? null,
        ports,
        ins,
        `wait on '${serviceName}'`,
        this.addressing.taskHost(serviceName),
      );
      if (test === null) return;
      const cmd = test.shell ? test.command[0]! : `${test.command.map(shellQuote).join(' ')} >/dev/null 2>&1`;
      timeoutMs = ms(String(ins.args['timeout']));
      const interval = Math.max(1, Math.ceil(ms(String(ins.args['interval'])) / 1000));
      script = `end=$(( $(date +%s) + ${Math.ceil(timeoutMs / 1000)} )); until ${cmd}; do if [ "$(date +%s)" -ge "$end" ]; then echo ${shellQuote(`${ins.description}: timed out`)} >&2; exit 1; fi; sleep ${interval}; done`;
    } else {
      let codes: readonly number[] = (ins.args['acceptable_codes'] as number[] | undefined) ?? [];
      const skip = ins.args['skip_code_check'] === true;
      let run: string;
      if (recipe['type'] === 'exec') {
        run = strings(recipe['command'])
          .map((s) => shellQuote(this.text(s, ins, `the command of ${ins.id}`)))
          .join(' ');
      } else {
        if (recipe['method'] !== 'GET' || Object.keys(field<JsonObject>(recipe, 'headers', {})).length > 0) {
          return this.note(
            ins,
            `${ins.kind}: an HTTP ${String(recipe['method'])} recipe${recipe['method'] === 'GET' ? ' with headers' : ''} is not expressible; not exported`,
          );
        }
        const allTwoHundreds = codes.length > 0 && codes.every((c) => c >= 200 && c <= 299);
        if (!allTwoHundreds && !skip) return this.note(ins, `${ins.kind}: acceptable codes ${JSON.stringify(codes)} cannot be checked with wget; not exported`);
        const port = ports[String(recipe['port_id'])];
        if (port === undefined) return this.note(ins, `${ins.kind}: port '${String(recipe['port_id'])}' is not a port of '${serviceName}'; not exported`);
        const endpoint = String(recipe['endpoint']);
        run = `wget -q -O - ${shellQuote(`http://${this.addressing.taskHost(serviceName)}:${Number(port['number'])}${endpoint.startsWith('/') ? '' : '/'}${endpoint}`)}`;
        // wget's exit code says whether the status was acceptable.
        codes = [0];
      }
      script = skip ? `${run}; exit 0` : acceptCodes(run, codes);
    }
    if (Object.keys(field<JsonObject>(recipe, 'extract', {})).length > 0) {
      this.note(ins, `${ins.kind}: its extractions are values of a run of the plan; not exported`);
    }
    const task: ExportTask = {
      kind: 'task',
      name: this.taskName(ins),
      step: ins.id,
      stepKind: ins.kind,
      description: ins.description,
      service: serviceName,
      image: service.image,
      entrypoint: ['/bin/sh', '-c'],
      cmd: [script],
      env: service.env,
      mounts: service.mounts,
      volumes: service.volumes,
      user: service.user,
      stores: [],
      timeoutMs,
      dependsOn: mergeDependency(this.dependencies(index, ''), { name: serviceName, condition: service.checks.length > 0 ? 'healthy' : 'started' }),
      position: where(ins),
    };
    this.units.push(task);
    this.unitOfStep.set(ins.id, task);
  }

  /** run_sh and run_python: a task container; stored paths copied to the artifacts' volumes. */
  private runTask(ins: Instruction, index: number): void {
    const a = ins.args;
    const run = this.text(String(a['run']), ins, `the script of ${ins.id}`);
    const args = strings(a['args']).map((s) => this.text(s, ins, `the arguments of ${ins.id}`));
    const packages = strings(a['packages']);
    let command: string;
    if (ins.kind === 'run_sh') command = `/bin/sh -c ${shellQuote(run)}`;
    else
      command = `${packages.length > 0 ? `pip install --quiet --disable-pip-version-check ${packages.map(shellQuote).join(' ')} && ` : ''}python -u -c ${[run, ...args].map(shellQuote).join(' ')}`;
    const store = (a['store'] as JsonObject[] | undefined) ?? [];
    const files = field<{ [path: string]: string }>(a, 'files', {});
    const asDirs: { [path: string]: JsonObject } = {};
    for (const p of Object.keys(files)) asDirs[p] = { artifact_names: [files[p]!], persistent_key: null, size: null };
    const { mounts } = this.mountsOf(asDirs, ins, ins.id);
    const stores = store.map((s) => ({ artifact: this.produce(String(s['name'])), src: String(s['src']) }));
    const copies = stores.map((s) => {
      const dest = `${STORE_ROOT}/${s.artifact}`;
      return s.src.endsWith('/*') ? `cp -a ${shellQuote(s.src.slice(0, -2) || '/')}/. ${shellQuote(dest)}/` : `cp -a ${shellQuote(s.src)} ${shellQuote(dest)}/`;
    });
    const codes = (a['acceptable_codes'] as number[] | undefined) ?? [0];
    const skip = a['skip_code_check'] === true;
    const script = `${skip ? `${command}; true` : acceptCodes(command, codes)}${copies.length > 0 ? ` && ${copies.join(' && ')}` : ''}`;
    const env = field<{ [k: string]: string }>(a, 'env_vars', {});
    const wait = a['wait'];
    const task: ExportTask = {
      kind: 'task',
      name: this.taskName(ins),
      step: ins.id,
      stepKind: ins.kind,
      description: ins.description,
      service: null,
      image: this.imageOf(a['image'] as JsonObject, ins, ins.id),
      entrypoint: ['/bin/sh', '-c'],
      cmd: [script],
      env: Object.keys(env)
        .sort()
        .map((k) => [k, this.text(env[k]!, ins, `env ${k} of ${ins.id}`)] as const),
      mounts,
      volumes: [],
      user: null,
      stores,
      timeoutMs: typeof wait === 'string' ? ms(wait) : null,
      dependsOn: this.dependencies(index, ''),
      position: where(ins),
    };
    this.units.push(task);
    this.unitOfStep.set(ins.id, task);
    for (const s of stores) this.storedArtifacts.set(s.artifact, task.name);
  }

  /** The key of a new content of artifact `name` (see `currentKey`). */
  private produce(name: string): string {
    let key = name;
    for (let n = 2; this.artifacts.some((a) => a.name === key) || this.storedArtifacts.has(key); n++) key = `${name}-${n}`;
    this.currentKey.set(name, key);
    this.runtimeArtifacts.delete(name);
    return key;
  }

  private upload(ins: Instruction): void {
    const list = (ins.args['files'] as JsonObject[] | undefined) ?? [];
    const files = list.map((f) => ({ path: String(f['path']).replace(/^\/+/, ''), content: this.planFile(String(f['digest']), ins) }));
    this.addArtifact(ins, String(ins.args['name']), files);
  }

  private render(ins: Instruction): void {
    const spec = ins.args['files'] as { [path: string]: JsonObject };
    const files: { path: string; content: Uint8Array }[] = [];
    for (const path of Object.keys(spec).sort()) {
      const entry = spec[path]!;
      const template = Buffer.from(this.planFile(String(entry['template']), ins)).toString('utf8');
      const data = this.textDeep(entry['data'] ?? null, ins, `the template data of '${path}'`);
      let text: string;
      try {
        text = renderTemplate(path, template, data);
      } catch (err) {
        throw new UserError(`rendering '${path}' of files artifact '${String(ins.args['name'])}': ${err instanceof Error ? err.message : String(err)}`, {
          location: ins.position,
        });
      }
      files.push({ path: path.replace(/^\/+/, ''), content: Buffer.from(text, 'utf8') });
    }
    this.addArtifact(ins, String(ins.args['name']), files);
  }

  private addArtifact(ins: Instruction, name: string, files: { path: string; content: Uint8Array }[]): void {
    files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
    const sensitive = files.some((f) => {
      const text = Buffer.from(f.content).toString('utf8');
      return this.input.plan.sensitive?.some((s) => text.includes(s)) ?? false;
    });
    this.artifacts.push({ name: this.produce(name), step: ins.id, files, sensitive });
  }

  private planFile(digest: string, ins: Instruction): Uint8Array {
    const content = this.input.plan.files.get(digest);
    if (content === undefined) throw new UserError(`the plan file lacks the content ${digest}`, { location: ins.position });
    return content;
  }
}

/** Where a task's stored paths are copied, one folder per files artifact. */
export const STORE_ROOT = '/starform-store';

function acceptCodes(command: string, codes: readonly number[]): string {
  if (codes.length === 1 && codes[0] === 0) return command;
  const list = codes.length === 0 ? '0' : codes.join('|');
  return `{ ${command}; c=$?; case $c in ${list}) true ;; *) echo "exit code $c is not acceptable" >&2; exit $c ;; esac; }`;
}

function mergeDependency(list: readonly ExportDependency[], dep: ExportDependency): ExportDependency[] {
  const out = list.filter((d) => d.name !== dep.name);
  out.push(list.find((d) => d.name === dep.name && d.condition === 'completed') ?? dep);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The end state of a saved plan for a target with this addressing. */
export function resolveEnvironment(input: ExportInput, addressing: Addressing): ExportEnvironment {
  const r = new Resolution(input, addressing);
  r.run();
  const sensitive = [...new Set(input.plan.sensitive ?? [])].filter((s) => s !== '').sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return {
    units: r.units,
    artifacts: r.artifacts,
    storedArtifacts: r.storedArtifacts,
    addresses: r.fixedAddresses,
    subnet: addressing.subnet ?? null,
    notes: r.notes,
    packageArgs: input.plan.package.args,
    locator: input.plan.package.locator,
    checksum: input.checksum,
    sensitive,
  };
}
