// Tar archives, the currency of files between starform and containers. Files artifacts
// travel as uncompressed tar archives; the engine accepts and returns tar for copying
// into and out of containers, and takes a tar of the context directory for builds.
//
// `relocateArchive` is what lets a files artifact appear under any mount path: instead
// of asking the engine to unpack into a directory (which must already exist), it renames
// every entry to live under the mount path and unpacks at "/". The engine creates missing
// parent directories itself, and directories that already exist (say /tmp) keep their
// owner and mode because the archive carries no entries for them. Entry names that would
// climb out of the mount path ("../x", absolute names) are refused.

import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
import { RuntimeError } from './errors.js';

export type ArchiveEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface ArchiveEntry {
  /** Normalised relative path, without "./" and without a trailing slash. */
  readonly path: string;
  readonly type: ArchiveEntryType;
  readonly mode: number;
  /** File content (empty for non-files). */
  readonly content: Buffer;
  /** Target of a symlink or hard link. */
  readonly linkname?: string;
}

export interface ArchiveFileInput {
  /** Relative path inside the archive; parents get directory entries automatically. */
  readonly path: string;
  readonly content: string | Uint8Array;
  readonly mode?: number;
}

const FIXED_MTIME = new Date(0);

/** Builds a tar archive from in-memory files (deterministic: fixed times, sorted). */
export async function packFiles(files: readonly ArchiveFileInput[]): Promise<Buffer> {
  const dirs = new Set<string>();
  const entries: Array<{ header: Headers; content?: Buffer }> = [];
  for (const file of files) {
    const path = normaliseEntryPath(file.path);
    if (path === '') throw new RuntimeError('invalid-spec', `archive file path '${file.path}' is empty`);
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) dirs.add(dir);
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : Buffer.from(file.content);
    entries.push({
      header: { name: path, type: 'file', mode: file.mode ?? 0o644, size: content.length, mtime: FIXED_MTIME },
      content,
    });
  }
  for (const dir of dirs) {
    entries.push({ header: { name: `${dir}/`, type: 'directory', mode: 0o755, mtime: FIXED_MTIME } });
  }
  entries.sort((a, b) => (a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0));
  return packEntries(entries);
}

/** Reads every entry of a tar archive into memory. */
export async function readArchive(archive: Uint8Array): Promise<ArchiveEntry[]> {
  const extract = tar.extract();
  const result: ArchiveEntry[] = [];
  let feedError: unknown;
  const feeding = pipeline(Readable.from([Buffer.from(archive)]), extract).catch((err: unknown) => {
    feedError = err;
  });
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const header = entry.header;
      const linkname = header.linkname ?? undefined;
      result.push({
        path: normaliseEntryPath(header.name),
        type: entryType(header.type),
        mode: header.mode ?? 0,
        content: Buffer.concat(chunks),
        ...(linkname ? { linkname } : {}),
      });
    }
  } catch (err) {
    extract.destroy();
    await feeding;
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError('invalid-spec', `not a valid tar archive: ${messageOf(err)}`, { cause: err });
  }
  await feeding;
  if (feedError !== undefined) {
    throw new RuntimeError('invalid-spec', `not a valid tar archive: ${messageOf(feedError)}`, { cause: feedError });
  }
  return result;
}

/**
 * Rewrites an archive so that its entries live under `mountPath` (absolute), to be
 * unpacked at "/". The archive's own root entry ("." or "./") is dropped; an archive
 * without entries yields just the mount directory.
 */
export async function relocateArchive(archive: Uint8Array, mountPath: string): Promise<Buffer> {
  const base = checkMountPath(mountPath).slice(1);
  const entries = await readArchive(archive);
  const out: Array<{ header: Headers; content?: Buffer }> = [];
  for (const entry of entries) {
    if (entry.path === '') continue;
    const name = base === '' ? entry.path : `${base}/${entry.path}`;
    const header: Headers = {
      name: entry.type === 'directory' ? `${name}/` : name,
      type: headerType(entry.type),
      mode: entry.mode,
      mtime: FIXED_MTIME,
    };
    if (entry.type === 'file') header.size = entry.content.length;
    if (entry.type === 'symlink') header.linkname = entry.linkname ?? '';
    if (entry.type === 'link') {
      const target = normaliseEntryPath(entry.linkname ?? '');
      header.linkname = base === '' ? target : `${base}/${target}`;
    }
    if (entry.type === 'other') continue;
    out.push(entry.type === 'file' ? { header, content: entry.content } : { header });
  }
  if (out.length === 0 && base !== '') {
    out.push({ header: { name: `${base}/`, type: 'directory', mode: 0o755, mtime: FIXED_MTIME } });
  }
  return packEntries(out);
}

/** Streams a directory tree as a tar archive (sorted, symlinks kept as links). */
export function packDirectory(root: string): Readable {
  const pack = tar.pack();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, relPath);
      const info = await lstat(abs);
      const mode = info.mode & 0o7777;
      if (info.isDirectory()) {
        await addEntry(pack, { name: `${relPath}/`, type: 'directory', mode, mtime: info.mtime });
        await walk(relPath);
      } else if (info.isSymbolicLink()) {
        await addEntry(pack, { name: relPath, type: 'symlink', linkname: await readlink(abs), mode, mtime: info.mtime });
      } else if (info.isFile()) {
        const sink = pack.entry({ name: relPath, type: 'file', size: info.size, mode, mtime: info.mtime });
        await pipeline(createReadStream(abs), sink);
      }
    }
  };
  walk('').then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(pack);
}

/** Collects a readable stream (e.g. an archive coming from the engine) into one buffer. */
export async function collectStream(stream: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Checks that a mount path is absolute and clean; returns it without a trailing slash. */
export function checkMountPath(mountPath: string): string {
  if (!mountPath.startsWith('/')) {
    throw new RuntimeError('invalid-spec', `mount path '${mountPath}' must be absolute (start with '/')`);
  }
  if (mountPath.split('/').includes('..')) {
    throw new RuntimeError('invalid-spec', `mount path '${mountPath}' must not contain '..'`);
  }
  const clean = posix.normalize(mountPath);
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

function normaliseEntryPath(name: string): string {
  const clean = posix.normalize(name.replace(/^\/+/, ''));
  if (clean === '.' || clean === './' || clean === '') return '';
  if (clean === '..' || clean.startsWith('../')) {
    throw new RuntimeError('invalid-spec', `archive entry '${name}' points outside the archive`);
  }
  return clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

function entryType(type: Header['type'] | undefined): ArchiveEntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

function headerType(type: ArchiveEntryType): Header['type'] {
  return type === 'other' ? 'file' : type;
}

async function packEntries(entries: ReadonlyArray<{ header: Headers; content?: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(Buffer.from(chunk as Uint8Array));
    });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const entry of entries) await addEntry(pack, entry.header, entry.content);
  pack.finalize();
  return collected;
}

function addEntry(pack: tar.Pack, header: Headers, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
