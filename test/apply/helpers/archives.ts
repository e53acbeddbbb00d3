// Hand-made tar archives for tests: files, directories and symbolic links exactly as
// given (packFiles only makes files), e.g. the archive a container's getArchive returns.
import { pack } from 'tar-stream';

export interface TestEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly content?: string;
  readonly linkname?: string;
}

export async function packEntriesForTests(entries: readonly TestEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(Buffer.from(c as Uint8Array)));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const content = Buffer.from(e.content ?? '');
    const header = {
      name: e.name,
      type: e.type,
      mode: e.type === 'directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      ...(e.type === 'file' ? { size: content.length } : {}),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    };
    if (e.type === 'file') p.entry(header, content);
    else p.entry(header);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
