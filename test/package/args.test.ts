// Package arguments from --args and --args-file: JSON and YAML, the merge of both, and
// every bad input reported with the file (or --args) and, when known, line and column.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArgs } from '../../lib/package/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { FIXTURE_ARGS, userError } from './helpers.js';

function file(name: string, text: string): string {
  const path = join(tempDir('starform-args-'), name);
  writeFileSync(path, text);
  return path;
}

describe('package/args', () => {
  afterEach(cleanupTempDirs);

  it('is an empty object when no arguments are given, or they are empty', () => {
    assert.deepEqual(readArgs({}), {});
    assert.deepEqual(readArgs({ args: '' }), {});
    assert.deepEqual(readArgs({ args: '  \n' }), {});
    assert.deepEqual(readArgs({ argsFile: file('empty.yaml', '') }), {});
    assert.deepEqual(readArgs({ argsFile: file('empty.json', '\n') }), {});
  });

  it('parses --args as JSON', () => {
    assert.deepEqual(readArgs({ args: '{"replicas": 2, "name": "x", "tags": [], "nested": {"a": null}}' }), {
      replicas: 2,
      name: 'x',
      tags: [],
      nested: { a: null },
    });
  });

  it('reads YAML and JSON files alike (the fixtures say the same thing)', () => {
    const yaml = readArgs({ argsFile: join(FIXTURE_ARGS, 'yamlargs.yaml') });
    assert.deepEqual(yaml, { replicas: 3, name: 'worker', tags: ['blue', 'canary'], settings: { log_level: 'debug' } });
    assert.deepEqual(readArgs({ argsFile: join(FIXTURE_ARGS, 'yamlargs.json') }), yaml);
    assert.deepEqual(readArgs({ argsFile: file('args.yml', 'a: 1\n') }), { a: 1 });
    assert.deepEqual(readArgs({ argsFile: file('args.txt', 'a: [1, 2]\n') }), { a: [1, 2] }, 'other extensions: YAML');
    assert.deepEqual(readArgs({ argsFile: file('args.conf', '{"a": true}') }), { a: true }, 'YAML reads JSON too');
  });

  it('merges file and --args at the top level, --args winning', () => {
    const argsFile = file('args.yaml', 'replicas: 3\nname: file\nsettings: {a: 1, b: 2}\n');
    assert.deepEqual(readArgs({ argsFile, args: '{"name": "cli", "settings": {"a": 9}}' }), {
      replicas: 3,
      name: 'cli',
      settings: { a: 9 },
    });
  });

  it('insists on an object', () => {
    userError(() => readArgs({ args: '[1, 2]' }), '--args: the package arguments must be an object', 'not a list');
    userError(() => readArgs({ args: '"x"' }), 'not a string');
    userError(() => readArgs({ args: 'null' }), 'not null');
    const list = file('list.yaml', '- a\n- b\n');
    userError(() => readArgs({ argsFile: list }), `${list}: the package arguments must be an object`);
  });

  it('reports JSON errors with line and column', () => {
    userError(() => readArgs({ args: '{"a": 1,}' }), /^--args:1:9: not valid JSON/);
    userError(() => readArgs({ args: 'replicas: 2' }), /^--args:1:1: not valid JSON/);
    const bad = file('bad.json', '{\n  "a": 1\n  "b": 2\n}\n');
    userError(() => readArgs({ argsFile: bad }), new RegExp(`^${bad}:3:3: not valid JSON`));
  });

  it('reports YAML errors with line and column', () => {
    const bad = file('bad.yaml', 'a: 1\nb: [1, 2\n');
    const e = userError(() => readArgs({ argsFile: bad }), 'not valid YAML');
    assert.equal(e.location?.file, bad);
    assert.equal(typeof e.location?.line, 'number');
    userError(() => readArgs({ argsFile: file('dup.yaml', 'a: 1\na: 2\n') }), ':2:1: not valid YAML');
    userError(() => readArgs({ argsFile: file('multi.yaml', 'a: 1\n---\nb: 2\n') }), 'not valid YAML');
  });

  it('refuses values JSON cannot carry', () => {
    userError(() => readArgs({ argsFile: file('inf.yaml', 'limits:\n  max: .inf\n') }), 'argument limits.max: Infinity is not a JSON number');
  });

  it('names the args file when it cannot be read', () => {
    const dir = tempDir();
    userError(() => readArgs({ argsFile: join(dir, 'nope.yaml') }), `${join(dir, 'nope.yaml')}: args file not found`);
    mkdirSync(join(dir, 'sub'));
    userError(() => readArgs({ argsFile: join(dir, 'sub') }), 'is a directory');
    userError(() => readArgs({ argsFile: 'https://example.com/args.yaml' }), 'not from a URL', 'Download it first');
  });
});
