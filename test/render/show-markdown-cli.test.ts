// `starform show PLAN --markdown` as a user runs it: the warnings of `plan` reach the
// comment through the plan file, --max-bytes and --graph work, and their misuse is a
// usage error (exit 1, one message, nothing printed on stdout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { decodeReferences } from './helpers.js';

const bin = join(PACKAGE_ROOT, 'bin', 'starform');

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: show --markdown', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-md-'));
    const planned = starform(['plan', join(PACKAGE_ROOT, 'fixtures', 'markdown', 'hostile'), '--refresh=false', '--out', 'h.plan'], dir);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stderr, /warning: main\.star:\d+:\d+: "cpu_allocation" field/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the warnings plan gave, the header and the graph, within --max-bytes', () => {
    const r = starform(['show', 'h.plan', '--markdown', '--graph', '--max-bytes', '4000'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Buffer.byteLength(r.stdout) <= 4000, `${Buffer.byteLength(r.stdout)} bytes`);
    const text = decodeReferences(r.stdout);
    assert.match(text, /\*\*Warnings \(1\):\*\*\n\n- main\.star:\d+:\d+: "cpu_allocation" field for "ServiceConfig" is deprecated/);
    assert.match(text, /\| Apply with \| <code>starform apply h\.plan<\/code> \|/);
    assert.match(text, /Dependencies of the changed steps|The dependency graph of the 3 changed steps is left out/);
  });

  it('the text view repeats the warnings the plan file keeps', () => {
    const r = starform(['show', 'h.plan'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: main\.star:\d+:\d+: "cpu_allocation" field for "ServiceConfig" is deprecated/);
  });

  const misuse: [string, string[], RegExp][] = [
    ['--max-bytes below the smallest budget', ['--markdown', '--max-bytes', '100'], /--max-bytes must be a whole number of bytes, at least 4000 \(it is 100\)/],
    ['--max-bytes that is not a whole number', ['--markdown', '--max-bytes', '5000.5'], /--max-bytes must be a whole number of bytes/],
    ['--graph without --markdown', ['--graph'], /--max-bytes and --graph go with --markdown/],
    ['--max-bytes with --json', ['--json', '--max-bytes', '5000'], /--max-bytes and --graph go with --markdown/],
  ];
  for (const [name, args, message] of misuse) {
    it(`a usage error: ${name}`, () => {
      const r = starform(['show', 'h.plan', ...args], dir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
