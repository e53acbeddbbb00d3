// Which reference test files make up the conformance suite and how each is used. The
// files are not copied into our repository: they are read from Debian's
// golang-starlark-dev wherever dpkg says it installed them. The table mirrors the
// reference's own Go tests: syntax/parse_test.go parses errors.star chunk by chunk and
// scan.star as one file; resolve/resolve_test.go resolves resolve.star's chunks with
// `M` predeclared and `U`, `float` universal; starlark/eval_test.go executes the files
// listed in TestExecFile (not benchmark.star or paths.star) with hasfields, fibonacci
// and struct predeclared; starlarkstruct's test executes struct.star as one file.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DialectOptions } from '../../lib/starlark/ast.js';
import { readChunks, type Chunk } from './chunks.js';

export const FALLBACK_REFERENCE_ROOT = '/usr/share/gocode/src/go.starlark.net';

/**
 * How a file is checked: `parse` (syntax errors only), `resolve` (parse must succeed,
 * resolve errors are checked) or `exec` (run it; in front-end mode, parse and resolve).
 */
export type FileKind = 'parse' | 'resolve' | 'exec';

export interface ConformanceFile {
  /** Path relative to the reference root, e.g. `starlark/testdata/int.star`. */
  readonly rel: string;
  readonly abs: string;
  readonly kind: FileKind;
  /** Whether the file is split into chunks (false: the whole file is one input). */
  readonly chunked: boolean;
  /** Names the host predeclares for this file. */
  readonly predeclared: readonly string[];
  /** Names that are universal built-ins for this file. */
  readonly universal: readonly string[];
}

/** The universal built-ins of the language specification. */
export const SPEC_UNIVERSAL: readonly string[] = [
  'None',
  'True',
  'False',
  'abs',
  'all',
  'any',
  'bool',
  'bytes',
  'chr',
  'dict',
  'dir',
  'enumerate',
  'fail',
  'float',
  'getattr',
  'hasattr',
  'hash',
  'int',
  'len',
  'list',
  'max',
  'min',
  'ord',
  'print',
  'range',
  'repr',
  'reversed',
  'sorted',
  'str',
  'tuple',
  'type',
  'zip',
  'set',
];

const EXEC_FILES = [
  'assign',
  'bool',
  'builtins',
  'control',
  'dict',
  'float',
  'function',
  'int',
  'json',
  'list',
  'misc',
  'set',
  'string',
  'tuple',
  'recursion',
  'module',
];

interface FileSpec {
  rel: string;
  kind: FileKind;
  chunked: boolean;
  predeclared: string[];
  universal: readonly string[];
}

const FILE_SPECS: readonly FileSpec[] = [
  { rel: 'syntax/testdata/errors.star', kind: 'parse', chunked: true, predeclared: [], universal: [] },
  { rel: 'syntax/testdata/scan.star', kind: 'parse', chunked: false, predeclared: [], universal: [] },
  { rel: 'resolve/testdata/resolve.star', kind: 'resolve', chunked: true, predeclared: ['M'], universal: ['U', 'float'] },
  ...EXEC_FILES.map((name): FileSpec => ({
    rel: `starlark/testdata/${name}.star`,
    kind: 'exec',
    chunked: true,
    predeclared: ['hasfields', 'fibonacci', 'struct'],
    universal: SPEC_UNIVERSAL,
  })),
  {
    rel: 'starlarkstruct/testdata/struct.star',
    kind: 'exec',
    chunked: false,
    predeclared: ['struct', 'gensym'],
    universal: SPEC_UNIVERSAL,
  },
];

/**
 * The directory of the installed go.starlark.net sources, or undefined if absent.
 * STARLARK_REFERENCE_ROOT, when set, names another copy (used to test the runner itself).
 */
export function findReferenceRoot(): string | undefined {
  const override = process.env.STARLARK_REFERENCE_ROOT;
  if (override) return existsSync(join(override, 'syntax', 'testdata')) ? override : undefined;
  const candidates: string[] = [];
  try {
    const listing = execFileSync('dpkg', ['-L', 'golang-starlark-dev'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    for (const line of listing.split('\n')) {
      if (line.endsWith('/go.starlark.net')) candidates.push(line);
    }
  } catch {
    // dpkg missing or the package not installed: try the usual location.
  }
  candidates.push(FALLBACK_REFERENCE_ROOT);
  return candidates.find((dir) => existsSync(join(dir, 'syntax', 'testdata')) && statSync(dir).isDirectory());
}

let cachedRoot: { root: string | undefined } | undefined;

/** findReferenceRoot, computed once per process. */
export function referenceRoot(): string | undefined {
  cachedRoot ??= { root: findReferenceRoot() };
  return cachedRoot.root;
}

/** Every file of the suite, in the order the suite runs them. */
export function conformanceFiles(root: string): ConformanceFile[] {
  return FILE_SPECS.map((s) => ({ ...s, abs: join(root, s.rel) }));
}

/**
 * The files selected by command-line names: a directory (`syntax`, `starlark/testdata`),
 * a path relative to the root, or a file's base name (`int.star`, or `int`). No names
 * selects everything. Returns the names that matched nothing separately.
 */
export function selectFiles(files: readonly ConformanceFile[], names: readonly string[]): { selected: ConformanceFile[]; unmatched: string[] } {
  if (names.length === 0) return { selected: [...files], unmatched: [] };
  const unmatched: string[] = [];
  const chosen = new Set<ConformanceFile>();
  for (const raw of names) {
    const name = raw.replace(/\/+$/, '');
    const hits = files.filter(
      (f) => f.rel === name || f.rel.startsWith(name + '/') || basename(f.rel) === name || basename(f.rel) === name + '.star' || f.abs === name,
    );
    if (hits.length === 0) unmatched.push(raw);
    for (const h of hits) chosen.add(h);
  }
  return { selected: files.filter((f) => chosen.has(f)), unmatched };
}

/** The chunks of a conformance file (one chunk for a file that is not chunked). */
export function fileChunks(file: ConformanceFile): Chunk[] {
  const data = readFileSync(file.abs, 'utf8');
  if (file.chunked) return readChunks(data);
  return [{ startLine: 1, source: data, expectations: new Map(), malformed: [] }];
}

/** The dialect a chunk asks for through `option:NAME` anywhere in its text. */
export function chunkOptions(source: string): DialectOptions {
  const options: DialectOptions = {};
  if (source.includes('option:set')) options.set = true;
  if (source.includes('option:globalreassign')) options.globalReassign = true;
  if (source.includes('option:recursion')) {
    options.while = true;
    options.recursion = true;
  }
  if (source.includes('option:loadbindsglobally')) options.loadBindsGlobally = true;
  return options;
}
