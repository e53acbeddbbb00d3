// What every export target (Compose, Kubernetes, Helm) works from: the end state a saved
// plan describes, resolved once (resolve.ts) into long-running services, files artifacts
// with their contents, one-off steps, and the dependencies between them — plus notes on
// what the plan does that no declarative definition can say. Targets only translate this
// model; none of them reads instruction arguments itself, so all three agree on what the
// plan means.
//
// Strings in the model have their future references replaced already: host names by the
// service names (every target names a service after its host name), IP addresses and the
// ServiceConfig's own-address placeholder by what the target's `Addressing` gives. A
// reference no definition can know (an exec's output, a request's body) is left as its
// `{{starform:...}}` text and noted.
import type { JsonValue } from '../util/json.js';

export type ExportFormat = 'compose' | 'kubernetes' | 'helm';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['compose', 'kubernetes', 'helm'];

/** Something the target cannot express (or expresses only approximately), tied to a step. */
export interface ExportNote {
  /** The step id it concerns (`service.web`, `exec.1c167a3f2e24`). */
  readonly step: string;
  /** `main.star:12:5` */
  readonly position: string;
  readonly message: string;
}

export interface ExportPort {
  readonly id: string;
  readonly number: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Milliseconds to wait for the port to open after start; null: not waited for. */
  readonly waitMs: number | null;
  /** A fixed host port (ServiceConfig public_ports); null: any free port. */
  readonly publicPort: number | null;
  /** Whether the port is published on the host at all (UDP only with publish_udp). */
  readonly published: boolean;
}

/** A health check: a command run in the container, healthy when it exits 0. */
export interface ExportCheck {
  /** The shell text (`/bin/sh -c`), or the exact argv when `shell` is false. */
  readonly command: readonly string[];
  readonly shell: boolean;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** When the check is exactly "this TCP port is open": the port (Kubernetes probes it natively). */
  readonly tcpPort?: number;
  /** When the check is exactly "GET this path answers 200": port and path. */
  readonly http?: { readonly port: number; readonly path: string };
}

export interface ExportMount {
  readonly path: string;
  /**
   * Files artifacts whose contents are merged at `path`, in the plan's order, by key: an
   * artifact's name, or `name-2`, `name-3`... for the content a later step gives the name.
   */
  readonly artifacts: readonly string[];
}

export interface ExportVolume {
  readonly path: string;
  /** The persistent key, unique per service. */
  readonly key: string;
  readonly sizeMb: number;
}

export type DependencyCondition = 'started' | 'healthy' | 'completed';

export interface ExportDependency {
  /** The unit (service or one-off step) depended on, by its exported name. */
  readonly name: string;
  readonly condition: DependencyCondition;
}

/** What a service or a one-off step runs. */
export interface ExportContainer {
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Sorted by name. */
  readonly env: readonly (readonly [string, string])[];
  readonly mounts: readonly ExportMount[];
  readonly volumes: readonly ExportVolume[];
  readonly user: { readonly uid: number; readonly gid: number | null } | null;
  /** Where the files this unit stores (run_sh `store`) are copied to, by artifact name. */
  readonly stores: readonly { readonly artifact: string; readonly src: string }[];
}

export interface ExportService extends ExportContainer {
  readonly kind: 'service';
  readonly name: string;
  readonly step: string;
  readonly ports: readonly ExportPort[];
  /** Port checks and the ReadyCondition, all of which must pass; empty: ready when started. */
  readonly checks: readonly ExportCheck[];
  readonly labels: readonly (readonly [string, string])[];
  readonly cpu: { readonly min: number; readonly max: number };
  readonly memoryMb: { readonly min: number; readonly max: number };
  readonly tty: boolean;
  readonly init: boolean;
  readonly capabilities: readonly string[];
  readonly privileged: boolean;
  readonly dependsOn: readonly ExportDependency[];
  /** Stopped by the plan (stop_service): defined, not started. */
  readonly stopped: boolean;
  /** Position of the add_service, for comments. */
  readonly position: string;
}

/** A one-off step run to completion: exec, run_sh, run_python, wait, request (exec/http recipes). */
export interface ExportTask extends ExportContainer {
  readonly kind: 'task';
  readonly name: string;
  readonly step: string;
  readonly stepKind: string;
  readonly description: string;
  /** For steps that act on a service (exec, wait, request): that service; runs in its network. */
  readonly service: string | null;
  /** Timeout in milliseconds, null: none. */
  readonly timeoutMs: number | null;
  readonly dependsOn: readonly ExportDependency[];
  readonly position: string;
}

export type ExportUnit = ExportService | ExportTask;

/** A files artifact whose content is known when exporting (upload_files, render_templates). */
export interface ExportArtifact {
  /** Its key (see ExportMount). */
  readonly name: string;
  readonly step: string;
  /** Sorted by path; paths relative, `/`-separated. */
  readonly files: readonly { readonly path: string; readonly content: Uint8Array }[];
  /** Whether some file holds a sensitive value (then: a Secret, files 0600). */
  readonly sensitive: boolean;
}

/** The end state of a plan, ready for a target. */
export interface ExportEnvironment {
  /** Services and one-off steps in plan order. */
  readonly units: readonly ExportUnit[];
  /** Files artifacts with static content, in plan order. */
  readonly artifacts: readonly ExportArtifact[];
  /** Artifacts produced by one-off steps (run_sh/run_python store): their producing unit. */
  readonly storedArtifacts: ReadonlyMap<string, string>;
  /** Fixed addresses by service name, when the target pins them (Compose). */
  readonly addresses: ReadonlyMap<string, string>;
  /** The subnet of the target's network (Compose; it holds the fixed addresses); null: none. */
  readonly subnet: string | null;
  readonly notes: readonly ExportNote[];
  /** The package's arguments as the plan used them. */
  readonly packageArgs: JsonValue;
  readonly locator: string;
  /** The plan file's checksum: names the exported plan in headers. */
  readonly checksum: string;
  /** Values that must not be written in clear, longest first. */
  readonly sensitive: readonly string[];
}

/** A file of an export, relative to the output folder. */
export interface ExportFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  /** 0o600 for files that hold sensitive values. */
  readonly mode: number;
}

/** What a target produced: its files (the main one first) and what it could not express. */
export interface ExportResult {
  readonly files: readonly ExportFile[];
  readonly notes: readonly ExportNote[];
}
