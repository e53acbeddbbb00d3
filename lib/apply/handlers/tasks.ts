// run_sh and run_python: one-off task containers (docs/kurtosis-api.md §2.17-2.18).
//
// The runtime runs the task to completion in a fresh container on the enclave network
// (files artifacts copied in first), collects the combined output and copies the
// `store` paths out before removing the container. The script runs as `/bin/sh -c
// <run>`; a Python script as `python -u -c <run> <args...>`, after `pip install` of the
// packages when there are any. Each stored path becomes the files artifact the plan
// named for it; the exit code is checked against acceptable_codes unless skipped.
import type { FileMount, TaskSpec } from '../../runtime/index.js';
import { argsOf, substituteString, type InstructionKind } from '../../instructions/index.js';
import type { JsonValue } from '../../util/json.js';
import { durationMs, type StepContext, type StepHandler, type StepOutcome } from '../context.js';
import { StepFailure } from '../errors.js';
import { checkCode } from '../recipes.js';
import { copyOut, storeArtifact } from './artifacts.js';
import { hostAccess, imageRef } from './services.js';
import type { State } from '../../state/index.js';

/** A task without a time limit still ends some day: a week. */
const NO_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

/** Quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The entrypoint and command of a task (see the file comment). */
export function taskCommand(
  kind: 'run_sh' | 'run_python',
  run: string,
  args: readonly string[],
  packages: readonly string[],
): {
  entrypoint: string[];
  cmd: string[];
} {
  if (kind === 'run_sh') return { entrypoint: ['/bin/sh', '-c'], cmd: [run] };
  if (packages.length === 0) return { entrypoint: ['python', '-u', '-c'], cmd: [run, ...args] };
  const install = `pip install --quiet --disable-pip-version-check ${packages.map(shellQuote).join(' ')} && exec python -u -c "$0" "$@"`;
  return { entrypoint: ['/bin/sh', '-c'], cmd: [install, run, ...args] };
}

/** The path the runtime copies out for a store source (`dir/*` copies `dir`). */
function copiedPath(src: string): string {
  return src.endsWith('/*') ? src.slice(0, -2) || '/' : src;
}

async function runTask(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'run_sh', 'run_python');
  const kind = ctx.instruction.kind === 'run_python' ? 'run_python' : 'run_sh';
  const sub = (s: string): string => substituteString(s, ctx.resolve);
  const state = ctx.state();
  const files: FileMount[] = [];
  for (const mountPath of Object.keys(args.files).sort()) {
    const artifact = args.files[mountPath]!;
    const record = state.filesArtifacts.get(artifact);
    if (record === undefined) throw new StepFailure(`files artifact '${artifact}' (to be mounted at ${mountPath}) does not exist`);
    files.push({ mountPath, archive: await ctx.blobs.get(record.contentHash) });
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries('env_vars' in args ? args.env_vars : {})) env[k] = sub(v);
  const command = 'args' in args ? taskCommand(kind, sub(args.run), args.args.map(sub), args.packages) : taskCommand(kind, sub(args.run), [], []);
  const storePaths = [...new Set(args.store.map((s) => copiedPath(s.src)))];
  const spec: TaskSpec = {
    name: args.name,
    image: imageRef(args.image),
    ...command,
    env,
    files,
    storePaths,
    timeoutMs: args.wait === null ? NO_TIMEOUT_MS : durationMs(args.wait),
    ...hostAccess(ctx, args),
    signal: ctx.signal,
  };
  const result = await ctx.runtime.runTask(ctx.lineage, spec);
  const fields: Record<string, JsonValue> = { code: result.exitCode, output: result.output };
  checkCode(fields, args.acceptable_codes, args.skip_code_check, kind === 'run_sh' ? 'Run sh' : 'Run python');

  const archives = new Map(result.stored.map((s) => [s.path, s.archive]));
  const changes: ((s: State) => State)[] = [];
  const stored: string[] = [];
  for (const s of args.store) {
    const archive = await copyOut(async (path) => {
      const found = archives.get(path);
      if (found === undefined) throw new StepFailure(`the task did not produce '${path}' to store as '${s.name}'`);
      return found;
    }, s.src);
    changes.push((await storeArtifact(ctx, s.name, archive)).change);
    stored.push(s.name);
  }
  const output = result.output.trim().split('\n').slice(-1)[0] ?? '';
  return {
    result: { ...fields, files_artifacts: stored },
    values: fields,
    message: `exit code ${result.exitCode}${output !== '' ? `: ${output.length > 60 ? `${output.slice(0, 60)}...` : output}` : ''}${stored.length > 0 ? `; stored ${stored.join(', ')}` : ''}`,
    change: (s) => changes.reduce((acc, c) => c(acc), s),
  };
}

/** The handlers of this family, by kind (handlers/index.ts gathers the families). */
export const TASK_HANDLERS = { run_sh: runTask, run_python: runTask } satisfies { readonly [K in InstructionKind]?: StepHandler };
