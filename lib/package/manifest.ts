// `kurtosis.yml`, the file that makes a directory a Kurtosis package: its name (a
// github.com locator), an optional description, and an optional `replace` map that
// redirects other packages' locators to another locator or to a local directory.
//
// The file is parsed with the `yaml` library into a document tree rather than straight to
// JavaScript, so that every problem can be reported at its line and column
// (`kurtosis.yml:4:3: ...`). Validation is complete and up front: a package whose
// manifest is wrong fails when it is opened, not halfway through an interpretation. As in
// Kurtosis (which reads the file with yaml.v2's UnmarshalStrict), a key other than name,
// description and replace is an error, and so is a key given twice. A trailing `/` on the
// name or on a `replace:` key is accepted and dropped, as Kurtosis's path cleaning drops it.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { UserError, type SourceLocation } from '../util/errors.js';
import { parseAbsoluteLocator, parsePackageName, type AbsoluteLocator } from './locator.js';

export const MANIFEST_FILE = 'kurtosis.yml';

/** Where a `replace` entry sends the locators below its key. */
export type ReplaceTarget = { readonly kind: 'directory'; readonly dir: string } | ({ readonly kind: 'locator' } & AbsoluteLocator);

export interface ReplaceEntry {
  /** The key as written, e.g. `github.com/kurtosis-tech/postgres-package`. */
  readonly key: string;
  readonly segments: readonly string[];
  /** The value as written. */
  readonly value: string;
  readonly target: ReplaceTarget;
  /** Where the entry is written, for messages. */
  readonly location: SourceLocation;
}

/** A problem that does not stop the run, with where it is. */
export interface PackageWarning {
  readonly message: string;
  readonly location?: SourceLocation;
}

export interface Manifest {
  /** Absolute path of the kurtosis.yml file. */
  readonly file: string;
  readonly name: string;
  readonly nameSegments: readonly string[];
  readonly description: string | undefined;
  readonly replace: readonly ReplaceEntry[];
  readonly warnings: readonly PackageWarning[];
}

const KNOWN_KEYS = new Set(['name', 'description', 'replace']);

/** Reads `<dir>/kurtosis.yml`; null when the directory has none. */
export function readManifest(dir: string, shownFile?: string): Manifest | null {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UserError(`cannot read ${MANIFEST_FILE}: ${(err as Error).message}`, { location: { file: shownFile ?? file }, cause: err });
  }
  return parseManifest(text, file, shownFile ?? file);
}

/**
 * Parses and validates the text of a kurtosis.yml. `file` is its absolute path (local
 * `replace` paths are relative to its directory); `shown` is how messages name it.
 */
export function parseManifest(text: string, file: string, shown: string = file): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file: shown };
    const { line, col } = lines.linePos(offset);
    return line === 0 ? { file: shown } : { file: shown, line, col };
  };
  const nodeAt = (node: Node | null | undefined): SourceLocation => at(node?.range?.[0]);
  const fail = (message: string, location: SourceLocation, hint?: string): never => {
    throw new UserError(message, hint === undefined ? { location } : { location, hint });
  };

  const syntax = doc.errors[0];
  if (syntax) fail(`not valid YAML: ${firstLine(syntax.message)}`, at(syntax.pos[0]));

  const example = `It needs at least a line like: name: github.com/<owner>/<repo>`;
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    fail(`${MANIFEST_FILE} is empty`, { file: shown }, example);
  }
  if (!isMap(root)) return fail(`${MANIFEST_FILE} must be a mapping of keys to values`, nodeAt(root), example);

  const warnings: PackageWarning[] = [];
  let name: { value: string; node: Node } | undefined;
  let description: string | undefined;
  let replaceNode: Node | null | undefined;
  let hasReplace = false;
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string') fail(`keys of ${MANIFEST_FILE} must be strings`, nodeAt(keyNode));
    const valueNode = pair.value as Node | null;
    if (key === 'name') {
      const value = isScalar(valueNode) ? valueNode.value : undefined;
      if (typeof value !== 'string' || value === '') {
        fail(`'name' must be a non-empty string`, nodeAt(valueOrKey(valueNode, keyNode)), example);
      }
      name = { value: value as string, node: valueOrKey(valueNode, keyNode) as Node };
    } else if (key === 'description') {
      const value = isScalar(valueNode) ? valueNode.value : valueNode === null ? null : undefined;
      if (value !== null && typeof value !== 'string') fail(`'description' must be a string`, nodeAt(valueNode));
      description = typeof value === 'string' ? value : undefined;
    } else if (key === 'replace') {
      hasReplace = true;
      replaceNode = valueNode;
    } else if (!KNOWN_KEYS.has(key as string)) {
      fail(`${MANIFEST_FILE}: unknown key '${key as string}' (the keys are name, description and replace)`, nodeAt(keyNode));
    }
  }
  if (name === undefined) return fail(`${MANIFEST_FILE} has no 'name'`, { file: shown }, example);

  let nameSegments: readonly string[] = [];
  try {
    nameSegments = parsePackageName(withoutTrailingSlash(name.value));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    fail(`'name': ${err.detail}`, nodeAt(name.node), "The name is the package's locator: github.com/<owner>/<repo>[/<path to this directory>].");
  }

  const replace: ReplaceEntry[] = [];
  const isEmptyScalar = isScalar(replaceNode) && (replaceNode.value === null || replaceNode.value === '');
  if (hasReplace && replaceNode !== null && replaceNode !== undefined && !isEmptyScalar) {
    if (!isMap(replaceNode)) {
      fail(`'replace' must be a mapping of package locators to replacements`, nodeAt(replaceNode));
    } else {
      for (const pair of replaceNode.items) {
        const keyNode = pair.key as Node | null;
        const valueNode = pair.value as Node | null;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof key !== 'string') return fail(`'replace' keys must be package locators (strings)`, nodeAt(keyNode));
        const value = isScalar(valueNode) ? valueNode.value : undefined;
        if (typeof value !== 'string' || value === '') {
          return fail(
            `'replace' of ${key}: the replacement must be a non-empty string (a locator, or a local path starting with '.' or '/')`,
            nodeAt(valueOrKey(valueNode, keyNode)),
          );
        }
        let segments: readonly string[] = [];
        try {
          segments = parsePackageName(withoutTrailingSlash(key));
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          fail(`'replace' key: ${err.detail}`, nodeAt(keyNode));
        }
        let target: ReplaceTarget;
        if (value.startsWith('.') || value.startsWith('/')) {
          target = { kind: 'directory', dir: isAbsolute(value) ? value : resolve(file, '..', value) };
        } else {
          try {
            target = { kind: 'locator', ...parseAbsoluteLocator(value) };
          } catch (err) {
            if (!(err instanceof UserError)) throw err;
            return fail(`'replace' of ${key}: ${err.detail}`, nodeAt(valueNode), `A local replacement is a path starting with '.' or '/'.`);
          }
        }
        replace.push({ key: withoutTrailingSlash(key), segments, value, target, location: nodeAt(keyNode) });
      }
    }
  }

  return { file, name: withoutTrailingSlash(name.value), nameSegments, description, replace, warnings };
}

/** `github.com/o/r/` as `github.com/o/r` (a lone trailing '/', as path cleaning drops it). */
function withoutTrailingSlash(text: string): string {
  return text.length > 1 && text.endsWith('/') && !text.endsWith('//') ? text.slice(0, -1) : text;
}

/** The value node, or the key node when the value is missing (`key:` with nothing after it). */
function valueOrKey(value: Node | null, key: Node | null): Node | null {
  return value === null || (isScalar(value) && value.value === null && value.source === '') ? key : value;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}
