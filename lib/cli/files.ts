// `starform files inspect ARTIFACT [--json]` lists the files of a files artifact with
// their own sizes (not the stored archive's); `starform files download ARTIFACT DIR`
// writes them under DIR (created when missing), as they would appear in a container that
// mounts the artifact. Both read the artifact's content from the blob store beside the
// state, so they work without the engine. An entry that would land outside DIR (a
// damaged or hand-made archive) is refused before anything is written.
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { neutraliseInline } from '../render/redact.js';
import { filesDownloadedView, filesInspectView } from '../render/files-view.js';
import { show } from '../render/view.js';
import { UserError } from '../util/errors.js';
import { findArtifact, withState, type Operated } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'files <command>';
export const describe = 'Inspect (files inspect ARTIFACT) or download (files download ARTIFACT DIR) a files artifact';

interface InspectArgs extends StateArgs {
  artifact: string;
  json: boolean;
}
interface DownloadArgs extends StateArgs {
  artifact: string;
  dir: string;
}

async function entriesOf(op: Operated, name: string): Promise<import('../docker/index.js').ArchiveEntry[]> {
  const record = findArtifact(op, name);
  const { readArchive } = await import('../docker/index.js');
  const content = await op.blobs.get(record.contentHash);
  try {
    return await readArchive(content);
  } catch (err) {
    throw new UserError(`the stored content of files artifact '${name}' is not a readable archive: ${(err as Error).message}`, { location: { file: op.file } });
  }
}

const inspect: CommandModule<StateArgs, InspectArgs> = {
  command: 'inspect <artifact>',
  describe: 'List the files of a files artifact with their sizes',
  builder: (y) =>
    y
      .positional('artifact', { type: 'string', demandOption: true, describe: 'The files artifact' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<InspectArgs>,
  async handler(argv: ArgumentsCamelCase<InspectArgs>) {
    const entries = await withState(argv, (op) => entriesOf(op, argv.artifact));
    const files = entries.filter((e) => e.type === 'file').map((e) => ({ path: e.path, size: e.content.length }));
    show(filesInspectView, { name: argv.artifact, files }, streams, argv.json === true);
  },
};

const download: CommandModule<StateArgs, DownloadArgs> = {
  command: 'download <artifact> <dir>',
  describe: 'Write the files of a files artifact under DIR',
  builder: (y) =>
    y.positional('artifact', { type: 'string', demandOption: true, describe: 'The files artifact' }).positional('dir', {
      type: 'string',
      demandOption: true,
      describe: 'The directory to write them in (created when missing)',
    }) as unknown as Argv<DownloadArgs>,
  async handler(argv: ArgumentsCamelCase<DownloadArgs>) {
    const entries = await withState(argv, (op) => entriesOf(op, argv.artifact));
    const root = resolve(argv.dir);
    const existing = await stat(root).catch(() => undefined);
    if (existing !== undefined && !existing.isDirectory()) throw new UserError(`${argv.dir} exists and is not a directory`);
    const target = (path: string): string => {
      const full = resolve(root, path);
      const rel = relative(root, full);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        throw new UserError(`files artifact '${argv.artifact}' has an entry '${neutraliseInline(path)}' outside its own directory; nothing was written`);
      }
      return full;
    };
    const links = new Set(entries.filter((e) => e.type === 'symlink').map((e) => e.path));
    for (const e of entries) {
      if (e.path === '') continue;
      target(e.path);
      const parts = e.path.split('/');
      if (parts.some((_, i) => i < parts.length - 1 && links.has(parts.slice(0, i + 1).join('/')))) {
        throw new UserError(`files artifact '${argv.artifact}' has an entry '${neutraliseInline(e.path)}' under a symbolic link; nothing was written`);
      }
    }
    await mkdir(root, { recursive: true });
    let count = 0;
    for (const e of entries) {
      if (e.path === '') continue;
      const full = target(e.path);
      if (e.type === 'directory') await mkdir(full, { recursive: true });
      else if (e.type === 'file') {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, e.content, { mode: e.mode & 0o777 || 0o644 });
        count++;
      } else if (e.type === 'symlink' && e.linkname !== undefined) {
        await mkdir(dirname(full), { recursive: true });
        await symlink(e.linkname, full);
      }
    }
    show(filesDownloadedView, { name: argv.artifact, count, dir: join(argv.dir) }, streams, false);
  },
};

export function builder(y: Argv): Argv<StateArgs> {
  return withStateOption(y)
    .command(inspect as unknown as CommandModule<StateArgs, InspectArgs>)
    .command(download as unknown as CommandModule<StateArgs, DownloadArgs>)
    .demandCommand(1, 'Name a files command: inspect or download.') as unknown as Argv<StateArgs>;
}

export function handler(): void {
  // the subcommands handle everything
}
