// Locators: the strings Kurtosis packages use to name files (import_module, read_file,
// upload_files, build contexts). Four forms, as Kurtosis tells them apart:
//
//   github.com/o/r/path    absolute: a file of some package, found by its repository
//   /x                     relative to the root of the calling module's repository
//   http(s)://host/path    a download (upload_files only)
//   anything else          relative to the directory of the calling module: ./x, ../x,
//                          .x, and also a bare templates/x (Kurtosis parses it as a
//                          GitHub URL, fails, and joins it to the caller's directory)
//
// An absolute locator may carry a version (`@tag|branch|commit`) in one of the two places
// Kurtosis accepts it: right after the repository (`github.com/o/r@v1/lib.star`, the form
// `replace:` entries use) or at the end (`github.com/o/r/lib.star@v1`, the form the docs
// show; the version may then contain `/`). starform reads packages from local directories
// only, so versions are parsed, kept for messages and cache lookups, and otherwise
// ignored. Parsing is pure string work: this file never touches the file system, and it
// is stricter than Kurtosis's parser where Kurtosis silently guesses (no scheme, no `.`
// or `..` segments, no empty segments in an absolute locator).
import { UserError } from '../util/errors.js';

export const GITHUB = 'github.com';

/** An absolute locator split into path segments, `github.com` first. */
export interface AbsoluteLocator {
  /** `['github.com', owner, repo, ...path]`. */
  readonly segments: readonly string[];
  /** The `@version` part, without the `@`; undefined when none was given. */
  readonly version: string | undefined;
}

export type Locator =
  | { readonly kind: 'relative'; readonly path: string }
  | { readonly kind: 'package-root'; readonly path: string }
  | { readonly kind: 'url'; readonly url: string }
  | ({ readonly kind: 'absolute' } & AbsoluteLocator);

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const HTTP_URL = /^https?:\/\/[^/?#\s]+/i;
const OWNER_OR_REPO = /^[A-Za-z0-9_.-]+$/;

function invalid(text: string, why: string, hint?: string): UserError {
  return new UserError(`invalid locator '${text}': ${why}`, hint === undefined ? {} : { hint });
}

/**
 * Classifies and checks a locator as written in a Starlark call. As in Kurtosis, a
 * locator whose first segment is not `github.com` is a path relative to the calling
 * module (`templates/x` is `./templates/x`); `/x` starts at the repository root; an
 * http(s) URL is a download (which only upload_files accepts).
 */
export function parseLocator(text: string): Locator {
  if (text === '') throw new UserError('invalid locator: it is empty');
  if (text.includes('\0')) throw invalid(text, 'it contains a NUL character');
  if (text.startsWith('.')) return { kind: 'relative', path: text };
  if (text.startsWith('/')) return { kind: 'package-root', path: text };
  if (HTTP_URL.test(text)) return { kind: 'url', url: text };
  const first = text.split('/', 1)[0]!;
  if (first.toLowerCase() !== GITHUB && !SCHEME.test(text)) return { kind: 'relative', path: text };
  return { kind: 'absolute', ...parseAbsoluteLocator(first.toLowerCase() === GITHUB ? GITHUB + text.slice(GITHUB.length) : text) };
}

/**
 * Parses `github.com/<owner>/<repo>[/<path>]` with an optional version. A trailing `/`
 * is allowed (it names a directory).
 */
export function parseAbsoluteLocator(text: string): AbsoluteLocator {
  const scheme = SCHEME.exec(text);
  if (scheme) {
    const rest = text.slice(scheme[0].length);
    throw invalid(text, `locators have no scheme (${scheme[0]})`, rest.startsWith(`${GITHUB}/`) ? `Write '${rest}'.` : undefined);
  }
  const at = text.indexOf('@');
  const before = at < 0 ? text : text.slice(0, at);
  const after = at < 0 ? undefined : text.slice(at + 1);
  const head = splitSegments(text, before);
  if (head[0] !== GITHUB) {
    const looksLikeHost = head.length >= 3 && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(head[0]!) && !/\.(star|ya?ml|json)$/.test(head[0]!);
    if (looksLikeHost) throw invalid(text, `only ${GITHUB} locators are supported, not ${head[0]}`);
    throw invalid(
      text,
      `a locator is './path' (beside the calling module), '/path' (from the package root) or ${GITHUB}/<owner>/<repo>/<path>`,
      `For a file of this package write './${text}' or '/${text}'.`,
    );
  }
  let segments = head;
  let version: string | undefined;
  if (after !== undefined) {
    if (after.includes('@')) throw invalid(text, `it has more than one '@'`);
    if (head.length === 3) {
      const slash = after.indexOf('/');
      version = slash < 0 ? after : after.slice(0, slash);
      if (slash >= 0) segments = [...head, ...splitSegments(text, after.slice(slash + 1))];
    } else {
      version = after.endsWith('/') ? after.slice(0, -1) : after;
    }
    if (version === '') throw invalid(text, `the version after '@' is empty`);
  }
  checkRepository(text, segments);
  return { segments, version };
}

/**
 * Parses a package name as `kurtosis.yml` and `--package` spell it: an absolute locator
 * with at least owner and repository, no version and no trailing `/`. Returns its segments.
 */
export function parsePackageName(text: string): readonly string[] {
  if (text.endsWith('/')) throw new UserError(`invalid package name '${text}': it must not end with '/'`);
  if (text.includes('@')) {
    throw new UserError(`invalid package name '${text}': a package name has no '@version'`);
  }
  const { segments } = parseAbsoluteLocator(text);
  return segments;
}

function splitSegments(text: string, part: string): string[] {
  const trimmed = part.endsWith('/') ? part.slice(0, -1) : part;
  const segments = trimmed.split('/');
  for (const s of segments) {
    if (s === '') throw invalid(text, `it has an empty path segment ('//' or a leading '/')`);
    if (s === '.' || s === '..') throw invalid(text, `an absolute locator may not contain '${s}' segments`);
  }
  return segments;
}

function checkRepository(text: string, segments: readonly string[]): void {
  if (segments.length < 3) throw invalid(text, `it needs at least ${GITHUB}/<owner>/<repo>`);
  for (const [i, what] of [
    [1, 'owner'],
    [2, 'repository'],
  ] as const) {
    if (!OWNER_OR_REPO.test(segments[i]!)) {
      throw invalid(text, `'${segments[i]}' is not a valid GitHub ${what} name (letters, digits, '-', '_', '.')`);
    }
  }
}

/** Whether `prefix` is `segments` or a leading run of whole segments of it. */
export function isSegmentPrefix(prefix: readonly string[], segments: readonly string[]): boolean {
  if (prefix.length > segments.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== segments[i]) return false;
  return true;
}

/** Of the keys that are segment prefixes of `segments`, the longest (or undefined). */
export function longestPrefixMatch<T extends { readonly segments: readonly string[] }>(candidates: Iterable<T>, segments: readonly string[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (isSegmentPrefix(c.segments, segments) && (best === undefined || c.segments.length > best.segments.length)) best = c;
  }
  return best;
}

export function joinSegments(segments: readonly string[]): string {
  return segments.join('/');
}

/** The locator text of parsed segments plus version, in the trailing-version form. */
export function formatAbsolute(loc: AbsoluteLocator): string {
  return loc.version === undefined ? joinSegments(loc.segments) : `${joinSegments(loc.segments)}@${loc.version}`;
}
