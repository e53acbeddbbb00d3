// run()'s arguments as Kurtosis's engine makes them (lib/plan/package-args.ts): decoded
// from the exact JSON text of the arguments, so a 64-bit epoch stays an exact int, `1.0`
// a float and key order is kept; `_kurtosis_parser: "struct"` gives run(plan, args) a
// struct. Small packages planned through makePlan, arguments read by readArgs.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArgs } from '../../lib/package/index.js';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

function printed(main: string, args: string): string[] | string {
  const dir = tempDir('starform-pkgargs-');
  writeFileSync(join(dir, 'main.star'), main);
  const r = makePlan({ dir, args: readArgs({ args }), state: emptyState() });
  if (!r.plan) return r.problems.map((p) => `${p.position.file}: ${p.message}`).join('\n');
  return r.plan.instructions.filter((i) => i.kind === 'print').map((i) => String(i.args['msg']));
}

describe('plan/package-args', () => {
  afterEach(cleanupTempDirs);

  it('gives run() exact big ints, floats as floats and keys in order', () => {
    const main = 'def run(plan, far, one, order):\n    plan.print(msg = "%s %s %s %s %s" % (type(far), far + 1, type(one), one, list(order.keys())))\n';
    assert.deepEqual(printed(main, '{"far": 18446744073709551615, "one": 1.0, "order": {"b": 1, "10": 2, "a": 3}}'), [
      'int 18446744073709551616 float 1.0 ["b", "10", "a"]',
    ]);
  });

  it('compares a far-future epoch from the arguments exactly', () => {
    const main = 'FAR = 18446744073709551615\ndef run(plan, epoch):\n    plan.print(msg = str(epoch == FAR and epoch > FAR - 1))\n';
    assert.deepEqual(printed(main, '{"epoch": 18446744073709551615}'), ['True']);
  });

  it('gives run(plan, args) a struct for "_kurtosis_parser": "struct", nested objects too', () => {
    const main = 'def run(plan, args):\n    plan.print(msg = "%s %s %s" % (type(args), type(args.net), args.net.peers))\n';
    assert.deepEqual(printed(main, '{"_kurtosis_parser": "struct", "net": {"peers": [{"a": 1}]}}'), ['struct struct [{"a": 1}]']);
    const dict = 'def run(plan, args):\n    plan.print(msg = "%s %s" % (type(args), args["_kurtosis_parser"]))\n';
    assert.deepEqual(printed(dict, '{"_kurtosis_parser": "dict"}'), ['dict dict']);
  });

  it('refuses a struct for keyword parameters and unknown parsers', () => {
    const kw = 'def run(plan, net = None, **rest):\n    pass\n';
    assert.match(String(printed(kw, '{"_kurtosis_parser": "struct"}')), /only run\(plan, args\) can take/);
    const args = 'def run(plan, args):\n    pass\n';
    assert.match(String(printed(args, '{"_kurtosis_parser": "yaml"}')), /^main\.star: .*_kurtosis_parser is 'yaml'/);
  });
});
