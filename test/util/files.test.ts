import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../lib/util/errors.js';
import { atomicWriteFile, checkFormatVersion, readTextFile, readTextFileIfExists } from '../../lib/util/files.js';
import { cleanupTempDirs, tempDir } from './tmp.js';

describe('util/files', () => {
  afterEach(cleanupTempDirs);

  it('writes atomically, creating new files with the given mode and keeping an existing mode', async () => {
    const dir = tempDir();
    const path = join(dir, 'f');
    await atomicWriteFile(path, 'one', { createMode: 0o600 });
    assert.equal(readFileSync(path, 'utf8'), 'one');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    chmodSync(path, 0o640);
    await atomicWriteFile(path, new TextEncoder().encode('two'), { createMode: 0o600 });
    assert.equal(readFileSync(path, 'utf8'), 'two');
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  it('reads files, turning failures into user errors', async () => {
    const dir = tempDir();
    assert.equal(await readTextFileIfExists(join(dir, 'none'), 'state file'), null);
    await assert.rejects(readTextFile(join(dir, 'none'), 'plan file'), /none: plan file not found/);
    mkdirSync(join(dir, 'd'));
    await assert.rejects(readTextFile(join(dir, 'd'), 'plan file'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /d: cannot read the plan file: it is a directory/);
      return true;
    });
    writeFileSync(join(dir, 'ok'), 'x');
    assert.equal(await readTextFile(join(dir, 'ok'), 'plan file'), 'x');
  });

  describe('checkFormatVersion', () => {
    const check = { what: 'state file', supported: [1] };

    it('accepts a supported version', () => {
      assert.equal(checkFormatVersion({ format_version: 1 }, 'f', check).version, 1);
    });

    it('refuses what is not one of our files', () => {
      assert.throws(() => checkFormatVersion([1], 'f', check), /^UserError: f: not a starform state file: it has no "format_version"/);
      assert.throws(() => checkFormatVersion({ version: 4 }, 'f', check), /no "format_version"/);
      assert.throws(() => checkFormatVersion({ format_version: '1' }, 'f', check), /"format_version" is "1"/);
    });

    it('refuses newer versions, saying which it reads', () => {
      assert.throws(
        () => checkFormatVersion({ format_version: 7 }, 'f', check),
        (e: unknown) => {
          assert.ok(e instanceof UserError);
          assert.match(e.message, /^f: state file format version 7 is newer than this starform knows; starform \S+ reads format version 1\n.*newer starform/);
          return true;
        },
      );
    });
  });
});
