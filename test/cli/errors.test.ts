// How the CLI classifies a failure (lib/cli/errors.ts): user errors and the machine's
// system errors (a file that cannot be opened, a full disk, a port in use) are one line
// and exit 1, never "internal error"; only bugs are internal; an error's own exit code
// (130 for an interrupted interpretation) is kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportError, systemErrorMessage } from '../../lib/cli/errors.js';
import { UserError } from '../../lib/util/errors.js';

/** Runs reportError with standard error captured. */
function report(err: unknown, debug = false): { code: number; text: string } {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: reportError(err, debug), text };
  } finally {
    process.stderr.write = original;
  }
}

describe('cli: error classification', () => {
  it("a file system error that escapes a command is the user's condition, with its path, not an internal error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'starform-errors-'));
    try {
      const err = await open(join(dir, 'missing', 'state.json'), 'r').then(
        () => assert.fail('opened a missing file'),
        (e: unknown) => e,
      );
      const r = report(err);
      assert.equal(r.code, 1);
      assert.equal(r.text, `${join(dir, 'missing', 'state.json')}: cannot open: no such file or directory\n`);
      const handle = await open(dir, 'r');
      const isDir = await handle
        .read(Buffer.alloc(1), 0, 1, 0)
        .then(
          () => assert.fail('read a directory'),
          (e: unknown) => e,
        )
        .finally(() => handle.close());
      assert.doesNotMatch(report(isDir).text, /internal error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a port in use is the user's condition, naming the address", async () => {
    const first = createServer();
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
    const port = (first.address() as { port: number }).port;
    const second = createServer();
    const err = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1');
    });
    first.close();
    const r = report(err);
    assert.equal(r.code, 1);
    assert.equal(r.text, `127.0.0.1:${port}: cannot listen: the address is already in use\n`);
  });

  it('bugs stay internal errors; user errors print their message; an exit code of the error is kept', () => {
    const bug = report(new TypeError('x is undefined'));
    assert.equal(bug.code, 1);
    assert.match(bug.text, /^starform: internal error: x is undefined\nRun again with --debug/);
    assert.equal(systemErrorMessage(new Error('plain')), null);
    const user = report(new UserError('bad thing', { location: { file: 'main.star', line: 3, col: 1 } }));
    assert.deepEqual(user, { code: 1, text: 'main.star:3:1: bad thing\n' });
    const interrupted = report(Object.assign(new Error('interrupted while interpreting main.star:4:11'), { userFacing: true as const, exitCode: 130 }));
    assert.equal(interrupted.code, 130);
  });
});
