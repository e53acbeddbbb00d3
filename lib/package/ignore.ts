// `.kurtosisignore`: files Kurtosis leaves out when it packs a directory — the package it
// uploads from the command line, a directory upload_files stores, an image build context.
// The file sits at the top of the directory packed; one pattern a line (blank lines and
// `#` comments skipped); a trailing `/` matches directories only; a pattern with a `/`
// is matched against the path from the top, one without against each path component;
// patterns use Go's filepath.Match syntax (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes), and
// a pattern that is not valid in it matches nothing, as in Kurtosis. An ignored directory
// leaves out everything below it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const IGNORE_FILE = '.kurtosisignore';

interface Pattern {
  readonly re: RegExp;
  readonly dirOnly: boolean;
  readonly hasSlash: boolean;
}

export class IgnoreRules {
  private constructor(private readonly patterns: readonly Pattern[]) {}

  /** The rules of `<dir>/.kurtosisignore`; null when there is none. */
  static load(dir: string): IgnoreRules | null {
    let text: string;
    try {
      text = readFileSync(join(dir, IGNORE_FILE), 'utf8');
    } catch {
      return null;
    }
    return IgnoreRules.parse(text);
  }

  static parse(text: string): IgnoreRules {
    const patterns: Pattern[] = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const dirOnly = line.endsWith('/');
      if (dirOnly) line = line.slice(0, -1);
      const re = globToRegExp(line);
      if (re) patterns.push({ re, dirOnly, hasSlash: line.includes('/') });
    }
    return new IgnoreRules(patterns);
  }

  /** Whether the entry at `path` (posix, relative to the top) is left out, by itself. */
  matches(path: string, isDir: boolean): boolean {
    const parts = path.split('/');
    const base = parts[parts.length - 1]!;
    for (const p of this.patterns) {
      if (p.dirOnly && !isDir) continue;
      if (p.re.test(p.hasSlash ? path : base)) return true;
      if (!p.hasSlash && parts.some((part) => p.re.test(part))) return true;
    }
    return false;
  }

  /** Whether `path` or a directory above it is left out. */
  excludes(path: string, isDir: boolean): boolean {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (this.matches(parts.slice(0, i).join('/'), true)) return true;
    return this.matches(path, isDir);
  }
}

/** Go's filepath.Match pattern as an anchored RegExp; null when the pattern is malformed. */
function globToRegExp(glob: string): RegExp | null {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= glob.length) return null;
      out += escapeRe(glob[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (glob[j] === '^') {
        cls += '^';
        j++;
      }
      for (; j < glob.length && glob[j] !== ']'; j++) {
        const d = glob[j]!;
        if (d === '\\') {
          if (j + 1 >= glob.length) return null;
          cls += escapeRe(glob[++j]!);
        } else if (d === '-') cls += '-';
        else if (d === '/') return null;
        else cls += escapeRe(d);
      }
      if (j >= glob.length || cls === '' || cls === '^') return null;
      out += `(?!/)[${cls}]`;
      i = j;
    } else out += escapeRe(c);
  }
  try {
    return new RegExp(`^${out}$`, 's');
  } catch {
    return null;
  }
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|\-/]/.test(c) ? `\\${c}` : c;
}
