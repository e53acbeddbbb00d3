// Checking one chunk of a conformance file against our implementation, the way the
// reference's Go test for that file does: parse-only files report syntax errors, resolve
// files must parse and then report resolve errors, exec files are run through the lead's
// `runChunk` (exec mode) or, before the evaluator exists, must parse and resolve with the
// host's predeclared names and the spec's built-ins (front-end mode; the errors such
// files expect are dynamic, so only static errors are compared there).
import type { DialectOptions } from '../../lib/starlark/ast.js';
import { StarlarkResolveError, StarlarkSyntaxError } from '../../lib/starlark/errors.js';
import { parse } from '../../lib/starlark/parser.js';
import { resolveFile } from '../../lib/starlark/resolver.js';
import { ChunkReport, type Chunk, type Problem } from './chunks.js';
import { chunkOptions, type ConformanceFile } from './suites.js';

/** The evaluator hook written for the conformance suite (test/conformance/exec.ts). */
export type RunChunk = (filename: string, src: string, options: DialectOptions) => { line: number; msg: string } | null;

export type Mode = 'exec' | 'front-end';

/** Run one chunk; the problems found (empty when it passes). */
export function checkChunk(file: ConformanceFile, chunk: Chunk, mode: Mode, runChunk?: RunChunk): Problem[] {
  const report = new ChunkReport(chunk);
  const options = chunkOptions(chunk.source);
  try {
    if (file.kind === 'exec' && mode === 'exec' && runChunk) {
      const err = runChunk(file.abs, chunk.source, options);
      if (err) report.gotError(err.line, err.msg);
      report.done();
    } else {
      checkStatic(file, chunk, options, report);
    }
  } catch (e) {
    // The exec hook reports failed assert.* calls by throwing AssertionFailures after the
    // chunk ran; anything else escaping is a crash of our implementation.
    const assertion = e instanceof Error && e.name === 'AssertionFailures';
    const text = assertion ? (e as Error).message.split(file.abs).join(file.rel) : `crash: ${describeCrash(e)}`;
    report.fail(assertion ? (firstLineIn(text, file.rel) ?? chunk.startLine) : chunk.startLine, text);
    report.done();
  }
  return report.problems;
}

/** The first `file:LINE:` mentioned in a message. */
function firstLineIn(msg: string, file: string): number | undefined {
  const at = msg.indexOf(`${file}:`);
  if (at < 0) return undefined;
  const m = /^:(\d+):/.exec(msg.slice(at + file.length));
  return m ? Number(m[1]) : undefined;
}

function checkStatic(file: ConformanceFile, chunk: Chunk, options: DialectOptions, report: ChunkReport): void {
  const predeclared = new Set(file.predeclared);
  const universal = new Set(file.universal);
  let parsed;
  try {
    parsed = parse(file.abs, chunk.source);
  } catch (e) {
    if (!(e instanceof StarlarkSyntaxError)) throw e;
    if (file.kind === 'resolve') {
      report.fail(e.pos.line, `parse error: ${e.msg}`);
    } else {
      report.gotError(e.pos.line, e.msg);
      if (file.kind === 'parse') report.done();
    }
    return;
  }
  if (file.kind === 'parse') {
    report.done();
    return;
  }
  try {
    resolveFile(
      parsed,
      (name) => predeclared.has(name),
      (name) => universal.has(name),
      options,
    );
  } catch (e) {
    if (!(e instanceof StarlarkResolveError)) throw e;
    for (const p of e.problems) report.gotError(p.pos.line, p.msg);
  }
  if (file.kind === 'resolve') report.done();
}

function describeCrash(e: unknown): string {
  if (e instanceof Error) {
    const frame = e.stack?.split('\n').find((l) => l.trim().startsWith('at '));
    return `${e.name}: ${e.message}${frame ? ` (${frame.trim()})` : ''}`;
  }
  return String(e);
}
