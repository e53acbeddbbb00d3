// The canonical shapes of the Kurtosis types as instructions record them: plain JSON with
// every default filled in (lib/plan/types.ts builds them from the Starlark values; this
// file only says what they look like), so apply, the views and the export read the
// records without loading the interpreter. Also the few pure facts about them that
// several layers need: an image's name, the artifacts a service mounts, what needs the
// privileged opt-in.
import type { JsonValue } from '../util/json.js';

export type PortJson = {
  readonly number: number;
  readonly transport_protocol: 'TCP' | 'UDP' | 'SCTP';
  /** '' when none was given. */
  readonly application_protocol: string;
  /** Go duration text, or null for "do not wait". */
  readonly wait: string | null;
  /** '' when none was given. */
  readonly url: string;
};

export type ImageJson =
  | { readonly type: 'image'; readonly image: string }
  | {
      readonly type: 'registry';
      readonly image: string;
      readonly registry: string | null;
      readonly username: string | null;
      readonly password: string | null;
    }
  | {
      readonly type: 'build';
      readonly image_name: string;
      /** The locator as written, relative to the module that uses the spec. */
      readonly build_context_dir: string;
      readonly build_file: string;
      readonly target_stage: string;
      readonly build_args: { readonly [k: string]: string };
      /** Added by the plan object: the build context's files, by digest. */
      readonly context?: ContextJson;
    }
  | {
      readonly type: 'nix';
      readonly flake_location_dir: string;
      readonly build_context_dir: string;
      readonly image_name: string;
      readonly flake_output: string;
    };

/** A directory tree of the package embedded in the plan: file paths and content digests. */
export type ContextJson = {
  /** The package-relative (or locator) display path of the directory. */
  readonly source: string;
  /** Digest of the sorted manifest below (paths and content digests). */
  readonly digest: string;
  readonly files: readonly { readonly path: string; readonly digest: string }[];
};

export type DirectoryJson = {
  readonly artifact_names: readonly string[];
  readonly persistent_key: string | null;
  /** Megabytes; persistent directories only. */
  readonly size: number | null;
};

export type RecipeJson =
  | { readonly type: 'exec'; readonly command: readonly string[]; readonly extract: { readonly [k: string]: string } }
  | {
      readonly type: 'http';
      readonly method: 'GET';
      readonly port_id: string;
      readonly endpoint: string;
      readonly extract: { readonly [k: string]: string };
      readonly headers: { readonly [k: string]: string };
    }
  | {
      readonly type: 'http';
      readonly method: 'POST';
      readonly port_id: string;
      readonly endpoint: string;
      readonly body: string;
      readonly content_type: string;
      readonly extract: { readonly [k: string]: string };
      readonly headers: { readonly [k: string]: string };
    };

export type ReadyConditionJson = {
  readonly recipe: RecipeJson;
  readonly field: string;
  readonly assertion: string;
  readonly target_value: JsonValue;
  readonly target_type: string;
  readonly interval: string;
  readonly timeout: string;
};

export type UserJson = { readonly uid: number; readonly gid: number | null };

export type TolerationJson = {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
  readonly toleration_seconds: number | null;
};

export type GpuJson = {
  readonly count: number;
  readonly device_ids: readonly string[];
  readonly shm_size: number;
  readonly ulimits: { readonly [k: string]: number };
  /** The Docker device driver and the Kubernetes resource name (Kurtosis fills both). */
  readonly driver: { readonly docker: string; readonly kubernetes: string };
};

export type ServiceConfigJson = {
  readonly image: ImageJson;
  readonly ports: { readonly [id: string]: PortJson };
  readonly public_ports: { readonly [id: string]: PortJson };
  readonly files: { readonly [mountPath: string]: DirectoryJson };
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env_vars: { readonly [k: string]: string };
  readonly private_ip_address_placeholder: string;
  readonly max_cpu: number;
  readonly min_cpu: number;
  readonly max_memory: number;
  readonly min_memory: number;
  readonly ready_conditions: ReadyConditionJson | null;
  readonly labels: { readonly [k: string]: string };
  readonly user: UserJson | null;
  readonly tolerations: readonly TolerationJson[];
  readonly node_selectors: { readonly [k: string]: string };
  readonly files_to_be_moved: { readonly [k: string]: string };
  readonly tini_enabled: boolean;
  readonly tty_enabled: boolean;
  readonly devices: readonly string[];
  /** Whether UDP ports are published on the host (Kurtosis's Docker backend: only when true). */
  readonly publish_udp: boolean;
  /** Linux capabilities added to the container (NET_ADMIN, ...). */
  readonly capabilities: readonly string[];
  readonly gpu: GpuJson | null;
  /** Docker privileged mode: needs the user's opt-in (--privileged). */
  readonly privileged: boolean;
  /** The host's PID namespace: needs the user's opt-in. */
  readonly host_pid_namespace: boolean;
  /** Host path → container path; only PRIVILEGED_BIND_MOUNT_PATHS, and needs the user's opt-in. */
  readonly bind_mounts: { readonly [hostPath: string]: string };
};

/** The ServiceConfig settings Kurtosis only allows when the run opts in to privileged mode. */
export type PrivilegedSettings = Pick<ServiceConfigJson, 'privileged' | 'host_pid_namespace' | 'bind_mounts'>;

/** The host paths bind_mounts may name: Kurtosis allows only the Docker socket. */
export const PRIVILEGED_BIND_MOUNT_PATHS: readonly string[] = ['/var/run/docker.sock'];

/** What in these settings needs the opt-in, as words for a message ('' when nothing). */
export function privilegedFeatures(s: Partial<PrivilegedSettings>): string {
  const out: string[] = [];
  if (s.privileged === true) out.push('privileged=True');
  if (s.host_pid_namespace === true) out.push('host_pid_namespace=True');
  if (s.bind_mounts !== undefined && Object.keys(s.bind_mounts).length > 0) out.push('bind_mounts');
  return out.join(', ');
}

export type StoreSpecJson = { readonly src: string; readonly name: string | null };

export type ServiceJson = {
  readonly name: string;
  readonly hostname: string;
  readonly ip_address: string;
  readonly ports: { readonly [id: string]: PortJson };
};

export const DEFAULT_IP_PLACEHOLDER = 'KURTOSIS_IP_ADDR_PLACEHOLDER';
/** container-engine-lib port_spec/wait.go: DefaultWaitTimeoutDurationStr. */
export const DEFAULT_PORT_WAIT = '2m';
export const DEFAULT_PERSISTENT_DIRECTORY_SIZE_MB = 1024;
export const DEFAULT_POST_CONTENT_TYPE = 'application/json';

/** The image reference a canonical image stands for (`nginx:1.25`, a built image's name). */
export function imageName(image: ImageJson): string {
  return image.type === 'image' || image.type === 'registry' ? image.image : image.image_name;
}

/** The files artifacts a canonical service config mounts, in first-use order. */
export function mountedArtifacts(config: ServiceConfigJson): string[] {
  const out = new Set<string>();
  for (const path of Object.keys(config.files)) for (const a of config.files[path].artifact_names) out.add(a);
  return [...out];
}
