// Files artifacts mounted below one another must not reach through a symbolic link.
// A service's artifacts are unpacked into its container one after another, in the order
// of their mount paths, each relative to the root; when artifact A (at /data) holds a
// symbolic link `sub -> /etc` and artifact B is mounted at /data/sub, or holds files
// under sub/, unpacking follows the link and B's files land in /etc — outside every mount
// path the package declared (issue 18.11). Such a layout is refused before the container
// is created. Links from an artifact's own content (from a container, by
// store_service_files or a task's `store`) are only known at apply time, so this is where
// it is checked; uploads and rendered templates never contain links (the package's links
// are resolved when they are read).
import { readArchive } from '../runtime/index.js';
import { StepFailure } from './errors.js';

export interface MountedArchive {
  readonly mountPath: string;
  /** The artifact's name, for the message. */
  readonly artifact: string;
  readonly archive: Uint8Array;
}

/**
 * Throws a StepFailure when a file or mount of a later archive lies below a symbolic link
 * that an earlier one (in copy order) creates.
 */
export async function checkMountLinks(service: string, mounts: readonly MountedArchive[]): Promise<void> {
  /** Absolute container path of each link so far → the artifact and mount that made it. */
  const links = new Map<string, { artifact: string; mountPath: string; target: string }>();
  for (const m of mounts) {
    const base = m.mountPath.replace(/\/+$/, '');
    const entries = await readArchive(m.archive);
    const below = (path: string): string | undefined => {
      // The deepest ancestor of `path` (or the path itself, for the mount directory) that is a link.
      for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) {
        const prefix = path.slice(0, at);
        if (links.has(prefix)) return prefix;
      }
      return undefined;
    };
    const refuse = (linkPath: string, what: string): never => {
      const link = links.get(linkPath)!;
      throw new StepFailure(
        `files artifact '${m.artifact}' mounted at ${m.mountPath} in service '${service}' would be written through a symbolic link: ` +
          `files artifact '${link.artifact}' (mounted at ${link.mountPath}) has ${linkPath} -> ${link.target}, and ${what} lies below it, ` +
          `so its files would land wherever that link points instead of under ${m.mountPath}. ` +
          `Mount '${m.artifact}' elsewhere, or store '${link.artifact}' without the link.`,
      );
    };
    const atMount = below(base);
    if (atMount !== undefined) refuse(atMount, `the mount path ${m.mountPath}`);
    for (const e of entries) {
      if (e.path === '') continue;
      const abs = `${base}/${e.path}`;
      const through = below(abs.slice(0, abs.lastIndexOf('/')));
      if (through !== undefined) refuse(through, `its entry ${abs}`);
      if (e.type === 'symlink') links.set(abs, { artifact: m.artifact, mountPath: m.mountPath, target: e.linkname ?? '' });
    }
  }
}
