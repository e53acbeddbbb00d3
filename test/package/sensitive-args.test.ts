// Marked package arguments (lib/package/sensitive-args.ts): the args file's `sensitive`
// list is starform's and never reaches run(), `--args` can still pass an argument of that
// name, and a bad list or a mark that names no argument is one clear error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readMarkedArgs } from '../../lib/package/sensitive-args.js';
import { UserError } from '../../lib/util/errors.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';

const args = (name: string): string => join(PACKAGE_ROOT, 'fixtures', 'args', name);

describe('package: marked arguments', () => {
  it("takes the args file's `sensitive` list out of the arguments and adds --sensitive-arg marks", () => {
    const read = readMarkedArgs({ argsFile: args('secrets.yaml'), sensitiveArgs: ['db_password'] });
    assert.deepEqual(read.args, { db_password: 'hunter2-correct-horse', relay_material: 'relay-material-4a7f09' });
    assert.deepEqual(read.sensitive, ['relay_material', 'db_password']);
  });

  it('passes an argument called `sensitive` given with --args to the package', () => {
    const read = readMarkedArgs({ argsFile: args('secrets.yaml'), args: '{"sensitive": "yes"}' });
    assert.equal(read.args['sensitive'], 'yes');
    assert.deepEqual(read.sensitive, ['relay_material']);
  });

  it('refuses a `sensitive` that is not a list of names, at the args file', () => {
    assert.throws(
      () => readMarkedArgs({ argsFile: args('secrets-bad.yaml') }),
      (e: unknown) => e instanceof UserError && e.message.startsWith(`${args('secrets-bad.yaml')}: 'sensitive' must be a list`),
    );
  });

  it('refuses a mark that names no argument (a typo would leave the secret in clear)', () => {
    assert.throws(
      () => readMarkedArgs({ args: '{"db": {"password": "x"}}', sensitiveArgs: ['db.pasword'] }),
      (e: unknown) => e instanceof UserError && /--sensitive-arg: the package arguments have no 'db\.pasword'/.test(e.message),
    );
    assert.deepEqual(readMarkedArgs({ args: '{"db": {"password": "x"}}', sensitiveArgs: ['db.password'] }).sensitive, ['db.password']);
  });
});
