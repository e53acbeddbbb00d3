// The operate commands on a state kept in PostgreSQL: status, files inspect / download,
// port and logs read the state and its files artifacts' content through the backend
// `--state postgres://…` names, as every other command does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStateBackend } from '../../lib/state/index.js';
import { fixture, useApplyEngine } from '../apply/helpers/engine.js';
import { usePostgres } from '../state/helpers/postgres.js';

const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin', 'starform');

function starform(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: status, files, port and logs on a PostgreSQL state (Docker, PostgreSQL)', function () {
  this.timeout(240_000);
  const engine = useApplyEngine();
  const cluster = usePostgres();
  let lineage: string | null = null;
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-operate-pg-'));
  });
  after(async function () {
    this.timeout(60_000);
    if (lineage !== null) await engine.runtime.removeEnclave(lineage);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the state and the artifacts from the backend', async () => {
    const url = cluster().newUrl();
    const applied = starform(['apply', fixture('packages/operate'), '--auto-approve', '--state', url]);
    assert.equal(applied.code, 0, applied.stderr);
    const backend = await openStateBackend(url);
    lineage = (await backend.read().finally(() => backend.close())).lineage;
    assert.match(applied.stdout, /site\s+assets\/app\.js\s+24 B/, 'the apply status table lists the files');

    const status = starform(['status', '--state', url]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /web\s+running\s/);
    assert.match(status.stdout, /site\s+assets\/app\.js\s+24 B\n\s+index\.html\s+15 B/);
    assert.equal(starform(['files', 'inspect', 'site', '--state', url]).stdout, '24 B  assets/app.js\n15 B  index.html\n2 files, 39 B\n');
    assert.equal(starform(['files', 'download', 'site', join(dir, 'out'), '--state', url]).code, 0);
    assert.equal(readFileSync(join(dir, 'out', 'index.html'), 'utf8'), '<h1>hello</h1>\n');
    assert.match(starform(['port', 'web', 'http', '--state', url]).stdout, /^127\.0\.0\.1:\d+\n$/);
    assert.equal(starform(['logs', 'web', '--state', url]).stdout, 'web-started\n');
  });
});
