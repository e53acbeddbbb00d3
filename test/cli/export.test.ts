// `starform export` as a user runs it: usage errors (an unknown format, a missing or
// edited plan, several files without --out, a folder of someone else's files, a bad
// --subnet) exit 1 with one message and write nothing; a good run prints what it could
// not express on stderr, writes the folder (modes kept), and writing again into the same
// folder gives the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturePackage } from '../export/helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name} ${(statSync(join(d, e.name)).mode & 0o777).toString(8)} ${readFileSync(join(d, e.name)).toString('base64')}`);
    }
  };
  walk(dir, '');
  return out;
}

describe('cli: export', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-export-'));
    plan = join(dir, 'webapp.plan');
    const r = starform(['plan', fixturePackage('webapp'), '--state', join(dir, 'state.json'), '--out', plan], dir);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function usageError(args: string[], pattern: RegExp, out?: string, env: Record<string, string> = {}): void {
    const r = starform(args, dir, env);
    assert.equal(r.code, 1, `exit code of export ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
    if (out !== undefined) assert.ok(!existsSync(out), `${out} was written`);
  }

  it('an unknown format: exit 1, nothing written', () => {
    const out = join(dir, 'bad-format');
    usageError(['export', plan, '--format', 'nomad', '--out', out], /unknown export format 'nomad'; use one of: compose, kubernetes, helm/, out);
  });

  it('no --format: exit 1', () => {
    usageError(['export', plan], /format/);
  });

  it('a missing plan: exit 1 naming it, nothing written', () => {
    const out = join(dir, 'missing');
    usageError(['export', join(dir, 'nope.plan'), '--format', 'compose', '--out', out], /nope\.plan/, out);
  });

  it('an edited plan: refused, nothing written', () => {
    const edited = join(dir, 'edited.plan');
    writeFileSync(edited, readFileSync(plan, 'utf8').replace(/"POSTGRES_DB": ?"app"/, '"POSTGRES_DB":"evil"'));
    const out = join(dir, 'edited-out');
    usageError(['export', edited, '--format', 'kubernetes', '--out', out], /modified after starform wrote it/, out);
  });

  it('with a signing key configured: an unsigned plan or one signed with another key is refused, a signed one exported', () => {
    const key = { STARFORM_PLAN_SIGNING_KEY: 'export-test-key-0123456789abcdef' };
    const out = join(dir, 'signed-out');
    usageError(['export', plan, '--format', 'kubernetes', '--out', out], /not signed, and a plan signing key is configured/, out, key);
    const signed = join(dir, 'signed.plan');
    const p = starform(['plan', fixturePackage('webapp'), '--state', join(dir, 'state.json'), '--out', signed], dir, key);
    assert.equal(p.code, 0, p.stderr);
    usageError(['export', signed, '--format', 'kubernetes', '--out', out], /signature does not verify/, out, {
      STARFORM_PLAN_SIGNING_KEY: 'another-key-0123456789abcdef-xyz',
    });
    const ok = starform(['export', signed, '--format', 'kubernetes', '--out', out], dir, key);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(out, 'kubernetes.yaml')));
  });

  it('several files without --out: exit 1, nothing printed', () => {
    usageError(['export', plan, '--format', 'helm'], /writes \d+ files .*name a folder with --out/);
    usageError(['export', plan, '--format', 'compose'], /name a folder with --out/);
  });

  it('a bad --subnet, or --subnet with another format: exit 1', () => {
    const out = join(dir, 'subnet');
    usageError(['export', plan, '--format', 'compose', '--subnet', '10.1.2.3/24', '--out', out], /not the start of a \/24 network/, out);
    usageError(['export', plan, '--format', 'compose', '--subnet', 'lan', '--out', out], /--subnet must be an IPv4 network/, out);
    usageError(['export', plan, '--format', 'kubernetes', '--subnet', '10.1.2.0/24', '--out', out], /--subnet goes with --format compose/, out);
  });

  it('a folder with files starform did not write: refused, left as it was', () => {
    const out = join(dir, 'theirs');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    usageError(['export', plan, '--format', 'compose', '--out', out], /not empty and was not written by `starform export`/);
    assert.deepEqual(readdirSync(out), ['notes.txt']);
  });

  it('kubernetes to stdout; compose and helm into folders, byte-identical when written again', () => {
    const k = starform(['export', plan, '--format', 'kubernetes'], dir);
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout, /^# Kubernetes manifests of a starform plan\./);
    assert.match(k.stderr, /export: not expressed: main\.star:\d+:\d+: wait on 'app' runs as Job/);
    for (const format of ['compose', 'helm']) {
      const out = join(dir, `out-${format}`);
      const first = starform(['export', plan, '--format', format, '--out', out], dir);
      assert.equal(first.code, 0, first.stderr);
      const before = listing(out);
      const again = starform(['export', plan, '--format', format, '--out', out], dir);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(listing(out), before, `${format}: a second export into the folder`);
      if (format === 'compose') {
        assert.ok(
          before.some((l) => l.startsWith('.env 600 ')),
          '.env is 0600',
        );
        assert.ok(before.some((l) => l.startsWith('docker-compose.yml 644 ')));
      } else {
        assert.ok(before.some((l) => l.startsWith('Chart.yaml 644 ')));
        assert.ok(
          before.some((l) => / 600 /.test(l) && l.startsWith('templates/01-secret-')),
          'the Secret template is 0600',
        );
      }
    }
  });
});
