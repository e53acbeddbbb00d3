import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockState, type StateLock } from '../../lib/state/lock.js';
import { emptyState, putFilesArtifact, setOutputs, type State } from '../../lib/state/model.js';
import { backupPath, parseState, readState, serializeState, writeState, writtenDigestPath } from '../../lib/state/statefile.js';
import { digestOf, sha256Hex } from '../../lib/util/hash.js';
import { STARFORM_VERSION } from '../../lib/util/package-info.js';
import { UserError } from '../../lib/util/errors.js';
import { checkPlanIsCurrent } from '../../lib/planfile/model.js';
import { expectGolden } from '../util/golden.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { sampleState } from './helpers/sample.js';

/** Asserts that `promise` fails with a UserError whose message matches `pattern`. */
async function rejectsWithUserError(promise: Promise<unknown>, pattern: RegExp): Promise<UserError> {
  let caught: unknown;
  await promise.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  return caught;
}

describe('state/statefile', () => {
  let dir: string;
  let path: string;
  let lock: StateLock;

  beforeEach(async () => {
    dir = tempDir();
    path = join(dir, 'starform.state.json');
    lock = await lockState(path, { operation: 'test' });
  });

  afterEach(async () => {
    await lock.release();
    cleanupTempDirs();
  });

  it('reads a missing file as the empty state, without inventing a lineage', async () => {
    const s = await readState(path);
    assert.deepEqual(s, emptyState());
    assert.equal(existsSync(path), false);
  });

  it('assigns the lineage on the first write and keeps it; serial counts writes', async () => {
    const first = await writeState(path, sampleState(null), lock);
    assert.equal(first.serial, 1);
    assert.ok(first.lineage);
    const second = await writeState(path, setOutputs(first, 'two'), lock);
    const third = await writeState(path, setOutputs(second, 'three'), lock);
    assert.equal(third.serial, 3);
    assert.equal(third.lineage, first.lineage);
    const read = await readState(path);
    assert.equal(read.serial, 3);
    assert.equal(read.lineage, first.lineage);
  });

  it('round-trips every field', async () => {
    const written = await writeState(path, sampleState(), lock);
    assert.deepEqual(await readState(path), written);
    assert.deepEqual({ ...written, serial: 0 }, sampleState());
  });

  it('writes byte-identical files for equal states (golden file)', () => {
    const a = serializeState({ ...sampleState(), serial: 4 }, '0.0.0-test');
    const b = serializeState({ ...sampleState(), serial: 4 }, '0.0.0-test');
    assert.equal(a, b);
    expectGolden(a, 'test/golden/state/v1.state.json');
    assert.deepEqual(parseState(a, 'golden'), { ...sampleState(), serial: 4 });
  });

  it('keeps the previous version as a backup', async () => {
    const first = await writeState(path, sampleState(), lock);
    assert.equal(existsSync(backupPath(path)), false);
    const firstText = readFileSync(path, 'utf8');
    await writeState(path, setOutputs(first, 'changed'), lock);
    assert.equal(readFileSync(backupPath(path), 'utf8'), firstText);
    assert.equal(parseState(readFileSync(backupPath(path), 'utf8'), 'b').serial, 1);
  });

  it('creates the state file readable by its owner only', async () => {
    await writeState(path, sampleState(), lock);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('refuses a write that does not descend from the file (lost update)', async () => {
    const first = await writeState(path, sampleState(), lock);
    await writeState(path, setOutputs(first, 'a'), lock);
    await rejectsWithUserError(writeState(path, setOutputs(first, 'b'), lock), /changed while this operation ran \(serial 2 on disk, 1 expected\)/);
    await rejectsWithUserError(writeState(path, { ...first, lineage: '00000000-0000-4000-8000-000000000000', serial: 2 }, lock), /belongs to another state/);
    await rejectsWithUserError(writeState(path, emptyState(), lock), /created by someone else/);
    assert.equal((await readState(path)).outputs, 'a');
  });

  it('refuses to write without holding the lock', async () => {
    await lock.release();
    await rejectsWithUserError(writeState(path, sampleState(), lock), /lock was already released/);
    assert.equal(existsSync(path), false);
    const other = await lockState(join(dir, 'other.json'), { operation: 'test' });
    await assert.rejects(writeState(path, sampleState(), other), /lock mix-up/);
    await other.release();
  });

  it('refuses to write an invalid state', async () => {
    const bad = putFilesArtifact(sampleState(), 'x', { contentHash: 'sha256:nothex' as `sha256:${string}`, size: -1 });
    await assert.rejects(writeState(path, bad, lock), /refusing to write an invalid state:\n {2}- files_artifacts\.x\.content_hash: must match pattern/);
    assert.equal(existsSync(path), false);
  });

  it('notes the digest of the file it wrote; reads that file without checking its records again', async () => {
    const written = await writeState(path, sampleState(), lock);
    assert.equal(readFileSync(writtenDigestPath(path), 'utf8'), `${sha256Hex(readFileSync(path))} starform ${STARFORM_VERSION}\n`);
    assert.deepEqual(await readState(path), written);
    // The note vouches for these exact bytes only: a file that matches it is not checked
    // again (shown with a record whose hash is wrong, which no write would produce) ...
    const inconsistent = readFileSync(path, 'utf8').replace('"image": "postgres:16"', '"image": "postgres:17"');
    writeFileSync(path, inconsistent);
    writeFileSync(writtenDigestPath(path), `${sha256Hex(inconsistent)} starform ${STARFORM_VERSION}\n`);
    assert.equal((await readState(path)).serial, written.serial);
    // A note of another starform version vouches for nothing.
    writeFileSync(writtenDigestPath(path), `${sha256Hex(inconsistent)} starform 0.0.0-older\n`);
    await rejectsWithUserError(readState(path), /services\.db\.config_hash: is not the hash of its config/);
    // ... and without the note (or with a stale one) every check runs.
    rmSync(writtenDigestPath(path));
    await rejectsWithUserError(readState(path), /services\.db\.config_hash: is not the hash of its config/);
    writeFileSync(writtenDigestPath(path), `${sha256Hex('something else')}\n`);
    await rejectsWithUserError(readState(path), /services\.db\.config_hash: is not the hash of its config/);
  });

  describe('bad files', () => {
    const cases: [string, string, RegExp][] = [
      ['corrupt JSON', '{"format_version": 1,\n  "serial": 3,,\n', /starform\.state\.json:2:15: not valid JSON: expected a property name/],
      ['truncated JSON', '{"format_version": 1, "lineage": "6f1c', /starform\.state\.json:1:34: not valid JSON: unterminated string/],
      ['an empty file', '', /starform\.state\.json: the file is empty/],
      ['a foreign version', '{"format_version": 2}', /state file format version 2 is newer than this starform knows; starform \S+ reads format version 1/],
      ['another kind of file', '{"terraform_version": "1.9.0", "version": 4}', /not a starform state file: it has no "format_version"/],
      [
        'a schema failure',
        '{"format_version": 1, "serial": 0, "services": {"Bad_Name": {}}}',
        /not a valid state file \(format version 1\):\n(.|\n)*- missing property "lineage"(.|\n)*serial: must be >= 1(.|\n)*services: property name "Bad_Name" must match pattern/,
      ],
    ];
    for (const [name, text, pattern] of cases) {
      it(`reports ${name} clearly and never writes over it`, async () => {
        writeFileSync(path, text);
        const e = await rejectsWithUserError(readState(path), pattern);
        assert.equal(e.location?.file, path);
        await rejectsWithUserError(writeState(path, sampleState(), lock), pattern);
        assert.equal(readFileSync(path, 'utf8'), text);
        assert.equal(existsSync(backupPath(path)), false);
      });
    }

    it('detects hashes that do not match their content (hand edits)', async () => {
      const written = await writeState(path, sampleState(), lock);
      const text = readFileSync(path, 'utf8').replace('"image": "postgres:16"', '"image": "postgres:17"');
      writeFileSync(path, text);
      await rejectsWithUserError(readState(path), /services\.db\.config_hash: is not the hash of its config\nIf it was edited by hand, correct it\.$/);
      writeFileSync(path, serializeState(written).replace('"name": "db"', '"name": "cache"'));
      await rejectsWithUserError(readState(path), /steps\[1\]\.args_hash: is not the hash of its args/);
    });

    it('refuses a hash of arguments written in another key order (only canonical text counts)', async () => {
      await writeState(path, sampleState(), lock);
      const file = JSON.parse(readFileSync(path, 'utf8')) as { steps: { args?: Record<string, unknown>; args_hash: string }[] };
      const step = file.steps.find((st) => st.args !== undefined && Object.keys(st.args).length > 1)!;
      step.args = Object.fromEntries(Object.entries(step.args!).reverse());
      step.args_hash = digestOf(JSON.stringify(step.args));
      writeFileSync(path, JSON.stringify(file, null, 2));
      await rejectsWithUserError(readState(path), /args_hash: is not the hash of its args/);
    });

    it('offers the backup only when there is one', async () => {
      const first = await writeState(path, sampleState(), lock);
      const broken = readFileSync(path, 'utf8').replace('"image": "postgres:16"', '"image": "postgres:17"');
      writeFileSync(path, broken);
      const withoutBackup = await rejectsWithUserError(readState(path), /is not the hash of its config/);
      assert.doesNotMatch(withoutBackup.message, /backup/);
      writeFileSync(backupPath(path), serializeState(first));
      await rejectsWithUserError(
        readState(path),
        /is not the hash of its config\nIf it was edited by hand, correct it, or restore the previous version from .*\.backup\.$/,
      );
      // The backup itself, when broken, is not offered a backup of its own.
      writeFileSync(backupPath(path), broken);
      const ofBackup = await rejectsWithUserError(readState(backupPath(path)), /is not the hash of its config/);
      assert.doesNotMatch(ofBackup.message, /restore/);
      // The state file gone: the hint names the backup only when it exists.
      rmSync(path);
      const second = { ...first, serial: 1 };
      await rejectsWithUserError(writeState(path, second, lock), /has disappeared since serial 1 was read; not writing\nRestore it from .*\.backup/);
      rmSync(backupPath(path));
      const gone = await rejectsWithUserError(writeState(path, second, lock), /has disappeared since serial 1 was read; not writing$/);
      assert.doesNotMatch(gone.message, /backup/);
    });

    it('checks the schema of a noted file all the same: a matching note lets nothing invalid through', async () => {
      await writeState(path, sampleState(), lock);
      const note = (text: string): void => writeFileSync(writtenDigestPath(path), `${sha256Hex(text)} starform ${STARFORM_VERSION}\n`);
      for (const [edit, problem] of [
        [(t: string) => t.replace('"status": "running"', '"status": "exploded"'), /services\.db\.status: must be one of "running", "stopped"/],
        [(t: string) => t.replace(/"container_id": "[0-9a-f]+"/, '"container_id": 42'), /services\.db\.container_id: must be string/],
        [(t: string) => t.replace('"format_version": 1,', '"format_version": 1, "extra": true,'), /unknown property "extra"/],
      ] as const) {
        const text = edit(serializeState({ ...sampleState(), serial: 1 }));
        writeFileSync(path, text);
        note(text);
        await rejectsWithUserError(readState(path), problem);
      }
      // What the note does skip is recomputing hashes (bytes this starform wrote and checked).
      const edited = serializeState({ ...sampleState(), serial: 1 }).replace('"image": "postgres:16"', '"image": "postgres:17"');
      writeFileSync(path, edited);
      note(edited);
      assert.equal((await readState(path)).serial, 1);
    });

    it('refuses a serial that is not an exact integer, and will not count past the largest one', async () => {
      const written = await writeState(path, sampleState(), lock);
      for (const serial of ['9007199254740993', '9007199254740992', '1e300']) {
        const text = serializeState(written).replace(/"serial": \d+/, `"serial": ${serial}`);
        writeFileSync(path, text);
        writeFileSync(writtenDigestPath(path), `${sha256Hex(text)} starform ${STARFORM_VERSION}\n`);
        await rejectsWithUserError(readState(path), /serial: \S+ is beyond 9007199254740991, the largest integer that stays exact/);
      }
      const top = { ...written, serial: Number.MAX_SAFE_INTEGER };
      writeFileSync(path, serializeState(top));
      assert.equal((await readState(path)).serial, Number.MAX_SAFE_INTEGER);
      await rejectsWithUserError(writeState(path, top, lock), /serial 9007199254740991 cannot grow any further as an exact integer; not writing/);
      assert.equal((await readState(path)).serial, Number.MAX_SAFE_INTEGER);
      // A plan recording such a serial is refused too, not compared.
      const base = { lineage: written.lineage, serial: 2 ** 53 + 2 };
      assert.throws(
        () => checkPlanIsCurrent({ base }, { lineage: written.lineage, serial: 2 ** 53 + 2 }, 'p.plan'),
        /p\.plan: the plan records state serial 9007199254740994, beyond 9007199254740991, the largest integer that stays exact/,
      );
    });

    it('detects duplicate step ids', () => {
      const s: State = { ...sampleState(), serial: 1 };
      const text = serializeState(s).replace('"id": "exec.3f2a9c1b04de"', '"id": "service.db"');
      assert.throws(() => parseState(text, 'f'), /steps\[2\]\.id: step id "service.db" appears twice/);
    });
  });
});
