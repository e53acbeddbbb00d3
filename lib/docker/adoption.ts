// Containers starform did not create, as `starform import` and `state mv` see them: a
// container looked up by id or name with the facts the import compares with the package
// (image, command, environment, ports, mounts, limits) and the image's own defaults (so
// that what the image supplies is not taken for a setting), plus attaching a container to
// an enclave network under a service's name. Docker cannot add labels to an existing
// container, so an adopted container joins the enclave by its id in the state and by its
// network alias, never by labels (see ServiceRef.adopted).
import type { TransportProtocol } from '../runtime/index.js';

export interface ForeignPort {
  readonly number: number;
  readonly protocol: TransportProtocol;
  /** The host port it is published on, when it is. */
  readonly hostPort: number | null;
}

export interface AdoptableContainer {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The image reference the container was created from, and the id it resolved to. */
  readonly image: string;
  readonly imageId: string;
  readonly running: boolean;
  readonly state: string;
  /** Entrypoint and command as the container runs them, and the image's defaults. */
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly imageEntrypoint: readonly string[];
  readonly imageCmd: readonly string[];
  /** Environment set for the container beyond the image's own (same name and value). */
  readonly env: Readonly<Record<string, string>>;
  /** Exposed or published ports (the image's EXPOSE counts). */
  readonly ports: readonly ForeignPort[];
  /** Mount points inside the container (volumes and binds). */
  readonly mountPaths: readonly string[];
  readonly user: string;
  readonly memoryBytes: number;
  readonly nanoCpus: number;
  /** Networks it is attached to: name → its address there. */
  readonly networks: Readonly<Record<string, string>>;
}

export interface ContainerAdoption {
  /** A container by full id, id prefix or name; undefined when there is none. */
  lookupContainer(idOrName: string): Promise<AdoptableContainer | undefined>;
  /**
   * Attaches a container to the enclave's network under `alias` (the service name), keeping
   * `ipAddress` when given; an existing attachment is replaced. Returns its address there
   * ('' while it is not running).
   */
  attachToEnclave(lineage: string, containerId: string, alias: string, options?: { readonly ipAddress?: string }): Promise<string>;
}
