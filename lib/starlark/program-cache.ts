// A cache of compiled Starlark modules, so that a package planned again skips the front
// end. Planning a large package spends most of its interpretation before any Starlark
// runs: scanning, parsing, resolving, generating JavaScript, and V8 compiling that
// JavaScript (ethereum-package: ~60 % of the interpretation). None of it depends on
// anything but the module's text, its name, the dialect and which names are predeclared,
// so one entry per (compiler, file name, text, dialect, names) holds the generated
// JavaScript with its constants and function descriptions, plus V8's code cache for it,
// taken after the run so that it also covers the functions the run called.
//
// The host supplies the storage (a directory, in lib/plan) and a fingerprint of the
// compiler it runs (the bundle's digest): an entry is only ever used by the exact compiler
// that wrote it. An entry that cannot be read or decoded is a miss; V8 checks its own
// part and falls back to compiling. Entries are written only for modules that compiled.
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import type { DialectOptions } from './ast.js';
import type { CompiledModule, FactoryMaker, FunctionCode } from './compiler.js';
import { Float, type Value } from './values.js';

/** Where entries live: bytes by key. Reads of a missing or unreadable entry return undefined. */
export interface ProgramCacheStore {
  read(key: string): Buffer | undefined;
  write(key: string, bytes: Buffer): void;
}

/** Bump when the entry layout or the meaning of generated code changes without a new fingerprint. */
const ENTRY_FORMAT = 1;

interface EntryHeader {
  readonly format: number;
  readonly key: string;
  readonly source: string;
  /** Strings as themselves, floats as ["f", their number's text]. */
  readonly constants: readonly (string | readonly ['f', string])[];
  readonly functions: readonly Omit<FunctionCode, 'active'>[];
  readonly predeclaredNames: readonly string[];
  readonly universalNames: readonly string[];
  readonly globalNames: readonly string[];
}

interface Pending {
  readonly key: string;
  readonly header: EntryHeader;
  readonly script: Script;
}

export class ProgramCache {
  private readonly pending: Pending[] = [];
  /** How many modules came from the cache and how many were compiled, for tests and benchmarks. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly store: ProgramCacheStore,
    /** Identifies the compiler (and runtime it generates code for); part of every key. */
    private readonly fingerprint: string,
  ) {}

  /** The key of a module: everything its compiled form depends on. */
  key(filename: string, src: string, dialect: DialectOptions, predeclared: Iterable<string>, universal: Iterable<string>): string {
    const h = createHash('sha256');
    const part = (s: string): void => {
      h.update(String(Buffer.byteLength(s)));
      h.update(':');
      h.update(s);
    };
    part(String(ENTRY_FORMAT));
    part(this.fingerprint);
    part(filename);
    part(src);
    part(JSON.stringify(Object.entries(dialect).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    part([...predeclared].sort().join('\n'));
    part([...universal].sort().join('\n'));
    return h.digest('hex');
  }

  /** The compiled module of an entry, or undefined on a miss. */
  load(key: string, filename: string): CompiledModule | undefined {
    const bytes = this.store.read(key);
    const entry = bytes === undefined ? undefined : decodeEntry(bytes, key);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    const script = new Script(wrap(entry.header.source), { filename: scriptName(filename), cachedData: entry.codeCache });
    const compiled = toModule(entry.header, filename, script);
    // V8 refused its part (another Node, other flags): the entry is written again with ours.
    if (script.cachedDataRejected === true || entry.codeCache === undefined) this.pending.push({ key, header: entry.header, script });
    this.stats.hits++;
    return compiled;
  }

  /**
   * Compiles a module on a miss: `compile` runs the front end with the factory maker it is
   * given, which compiles the generated code through a Script whose V8 code `save` keeps.
   */
  compile(key: string, filename: string, compile: (makeFactory: FactoryMaker) => CompiledModule): CompiledModule {
    let script: Script | undefined;
    const compiled = compile((source) => {
      script = new Script(wrap(source), { filename: scriptName(filename) });
      return script.runInThisContext() as CompiledModule['factory'];
    });
    if (script !== undefined) {
      const header: EntryHeader = {
        format: ENTRY_FORMAT,
        key,
        source: compiled.source,
        constants: compiled.constants.map(encodeConstant),
        functions: compiled.functions.map(({ active: _active, ...code }) => code),
        predeclaredNames: compiled.predeclaredNames,
        universalNames: compiled.universalNames,
        globalNames: compiled.globalNames,
      };
      this.pending.push({ key, header, script });
    }
    return compiled;
  }

  /**
   * Writes the entries of modules compiled (or whose V8 part was refused) since the last
   * save, with the code V8 compiled for them so far. Failures to write are ignored: the
   * cache only ever saves time.
   */
  save(): void {
    for (const { key, header, script } of this.pending.splice(0)) {
      try {
        this.store.write(key, encodeEntry(header, script.createCachedData()));
      } catch {
        // a read-only or full cache directory: plan on without it
      }
    }
  }
}

function wrap(source: string): string {
  return `(function (rt, K, D, U, P) {${source}\n})`;
}

function scriptName(filename: string): string {
  return `starlark:${filename}`;
}

function encodeConstant(v: Value): string | readonly ['f', string] {
  if (typeof v === 'string') return v;
  if (v instanceof Float) return ['f', Object.is(v.v, -0) ? '-0' : String(v.v)];
  throw new Error(`program cache: a constant of an unexpected kind (${typeof v})`);
}

function decodeConstant(c: string | readonly ['f', string]): Value {
  return typeof c === 'string' ? c : new Float(Number(c[1]));
}

function toModule(header: EntryHeader, filename: string, script: Script): CompiledModule {
  return {
    file: filename,
    source: header.source,
    constants: header.constants.map(decodeConstant),
    functions: header.functions.map((code) => ({ ...code, active: 0 })),
    predeclaredNames: [...header.predeclaredNames],
    universalNames: [...header.universalNames],
    globalNames: [...header.globalNames],
    factory: script.runInThisContext() as CompiledModule['factory'],
  };
}

// An entry: the header's length (4 bytes, big-endian), the header as JSON, V8's code cache.
function encodeEntry(header: EntryHeader, codeCache: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, codeCache]);
}

function decodeEntry(bytes: Buffer, key: string): { header: EntryHeader; codeCache: Buffer | undefined } | undefined {
  try {
    if (bytes.length < 4) return undefined;
    const length = bytes.readUInt32BE(0);
    if (4 + length > bytes.length) return undefined;
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as EntryHeader;
    if (!isHeader(header) || header.format !== ENTRY_FORMAT || header.key !== key) return undefined;
    const rest = bytes.subarray(4 + length);
    return { header, codeCache: rest.length > 0 ? rest : undefined };
  } catch {
    return undefined;
  }
}

function isHeader(h: unknown): h is EntryHeader {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return (
    typeof o['source'] === 'string' &&
    Array.isArray(o['constants']) &&
    (o['constants'] as unknown[]).every((c) => typeof c === 'string' || (Array.isArray(c) && c.length === 2 && c[0] === 'f' && typeof c[1] === 'string')) &&
    Array.isArray(o['functions']) &&
    (o['functions'] as unknown[]).every(isFunctionCode) &&
    strings(o['predeclaredNames']) &&
    strings(o['universalNames']) &&
    strings(o['globalNames'])
  );
}

function isFunctionCode(f: unknown): boolean {
  if (typeof f !== 'object' || f === null) return false;
  const o = f as Record<string, unknown>;
  return (
    typeof o['name'] === 'string' &&
    typeof o['file'] === 'string' &&
    typeof o['line'] === 'number' &&
    typeof o['col'] === 'number' &&
    Array.isArray(o['paramNames']) &&
    typeof o['hasVarargs'] === 'boolean' &&
    typeof o['hasKwargs'] === 'boolean' &&
    typeof o['numKwonly'] === 'number' &&
    typeof o['numDefaults'] === 'number' &&
    typeof o['simple'] === 'boolean'
  );
}
