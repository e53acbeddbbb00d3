// Compiling a saved plan to a declarative definition (`starform export`): the public face
// of lib/export. `exportPlan` resolves the plan once for the target's addressing
// (resolve.ts) and hands the model to the target (compose.ts, kubernetes.ts, helm.ts); it
// returns the files in memory, so nothing is written until the whole export succeeded.
// `writeExport` puts them in a folder: a fresh one, or one an earlier export wrote (its
// manifest lists the files to replace), never a folder with files of someone else.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../util/errors.js';
import { atomicWriteFile, ioError, readTextFileIfExists } from '../util/files.js';
import { digestOf } from '../util/hash.js';
import { exportCompose } from './compose.js';
import { exportHelm } from './helm.js';
import { exportKubernetes, kubernetesAddressing } from './kubernetes.js';
import { EXPORT_FORMATS, type ExportFormat, type ExportResult } from './model.js';
import { resolveEnvironment, type ExportInput } from './resolve.js';

export { EXPORT_FORMATS, type ExportFormat, type ExportNote, type ExportResult, type ExportFile } from './model.js';
export type { ExportInput } from './resolve.js';

export interface ExportOptions {
  /** Compose: the subnet of the network that pins addresses (default: one derived from the plan's checksum). */
  readonly subnet?: string;
}

/** The file an export writes beside its output, listing what it wrote. */
const MANIFEST = '.starform-export';

export function parseFormat(text: string): ExportFormat {
  const f = EXPORT_FORMATS.find((x) => x === text);
  if (f === undefined) throw new UserError(`unknown export format '${text}'; use one of: ${EXPORT_FORMATS.join(', ')}`);
  return f;
}

/** A /24 in 10.200.0.0-10.249.255.0, fixed by the plan's checksum: the same plan, the same network. */
function defaultSubnet(checksum: string): string {
  const hex = digestOf(checksum).slice('sha256:'.length);
  return `10.${200 + (parseInt(hex.slice(0, 2), 16) % 50)}.${parseInt(hex.slice(2, 4), 16)}.0/24`;
}

export function exportPlan(input: ExportInput, format: ExportFormat, options: ExportOptions = {}): ExportResult {
  if (format === 'compose') {
    const subnet = options.subnet ?? defaultSubnet(input.checksum);
    const env = resolveEnvironment(input, { subnet, ipOf: (s) => s, ownAddress: '', ipNote: null, taskHost: () => '127.0.0.1' });
    return exportCompose(env);
  }
  if (options.subnet !== undefined) throw new UserError('--subnet goes with --format compose');
  const env = resolveEnvironment(input, kubernetesAddressing);
  return format === 'kubernetes' ? exportKubernetes(env) : exportHelm(env);
}

/** Writes the files of an export under `dir` (see the file comment); returns the paths written. */
export async function writeExport(dir: string, result: ExportResult): Promise<string[]> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(err, dir, 'cannot read the output folder');
  }
  const manifestPath = join(dir, MANIFEST);
  const previous = await readTextFileIfExists(manifestPath, 'export manifest');
  if (entries.length > 0 && previous === null) {
    throw new UserError(`the output folder is not empty and was not written by \`starform export\`; refusing to write into it`, {
      location: { file: dir },
      hint: 'Name a new folder with --out, or an empty one.',
    });
  }
  try {
    for (const old of (previous ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      if (old.includes('..') || old.startsWith('/')) continue;
      await rm(join(dir, old), { force: true });
    }
    for (const f of result.files) {
      const path = join(dir, f.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await atomicWriteFile(path, f.content, { mode: f.mode });
    }
    const list = result.files.map((f) => f.path).sort();
    await atomicWriteFile(manifestPath, `# written by starform export; these files are replaced by the next export into this folder\n${list.join('\n')}\n`, {
      mode: 0o644,
    });
    return list;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw ioError(err, dir, 'cannot write the export');
  }
}
