// Package arguments from --args and --args-file: JSON and YAML, the merge of both, and
// every bad input reported with the file (or --args) and, when known, line and column.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argumentsText, readArgs } from '../../lib/package/index.js';
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
    userError(() => readArgs({ args: '{"a": 1,,}' }), /^--args:1:9: not valid JSON/);
    assert.deepEqual(readArgs({ args: '{"a": 1,}' }), { a: 1 }, 'YAML reads it, as in Kurtosis');
    userError(() => readArgs({ args: '{"a": [1, 2}' }), /^--args:1:12: not valid JSON/);
    const bad = file('bad.json', '{\n  "a": 1\n  "b": 2\n}\n');
    userError(() => readArgs({ argsFile: bad }), new RegExp(`^${bad}:3:3: not valid JSON`));
  });

  it('reports YAML errors with line and column', () => {
    const bad = file('bad.yaml', 'a: 1\nb: [1, 2\n');
    const e = userError(() => readArgs({ argsFile: bad }), 'not valid YAML');
    assert.equal(e.location?.file, bad);
    assert.equal(typeof e.location?.line, 'number');
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

// Decoding as Kurtosis decodes: the CLI sends valid JSON as it is and converts anything
// else from YAML with ghodss/yaml over yaml.v2; the engine reads the JSON with Starlark's
// json.decode. `argumentsText` is the JSON text the interpretation decodes.
describe('package/args as Kurtosis decodes them', () => {
  afterEach(cleanupTempDirs);

  it('keeps integers of any size exact and JSON floats floats', () => {
    const args = readArgs({ args: '{"far": 18446744073709551615, "huge": 123456789012345678901234567890, "one": 1.0, "e": 1e3, "neg": -5}' });
    assert.equal(argumentsText(args), '{"far":18446744073709551615,"huge":123456789012345678901234567890,"one":1.0,"e":1e3,"neg":-5}');
    assert.equal(args['neg'], -5);
  });

  it('keeps the order of JSON keys, integer-like ones included', () => {
    const args = readArgs({ args: '{"b": 1, "10": 2, "a": {"z": 1, "2": 0}}' });
    assert.equal(argumentsText(args), '{"b":1,"10":2,"a":{"z":1,"2":0}}');
  });

  it('reads YAML integers up to 64 bits exactly, and floats as Go writes them', () => {
    const args = readArgs({
      argsFile: file('a.yaml', 'far: 18446744073709551615\nmin: -9223372036854775808\none: 1.0\nexp: 1e5\nhalf: 0.5\nhex: 0x10\noct: 010\nsep: 1_000\n'),
    });
    assert.equal(argumentsText(args), '{"exp":100000,"far":18446744073709551615,"half":0.5,"hex":16,"min":-9223372036854775808,"oct":8,"one":1,"sep":1000}');
  });

  it('reads YAML 1.1 as yaml.v2 does: yes/no/on/off, timestamps and base-60 look-alikes as strings', () => {
    const args = readArgs({ argsFile: file('b.yaml', 'a: yes\nb: off\nc: Y\nd: 2024-01-02\ne: 12:30\nf: "yes"\ng: ~\n') });
    assert.deepEqual(args, { a: true, b: false, c: true, d: '2024-01-02', e: '12:30', f: 'yes', g: null });
  });

  it('merges YAML merge keys', () => {
    const text = 'base: &base\n  image: geth\n  count: 1\nnodes:\n  - <<: *base\n    count: 2\n  - <<: [*base]\n    extra: true\n';
    assert.deepEqual(readArgs({ argsFile: file('c.yaml', text) }), {
      base: { image: 'geth', count: 1 },
      nodes: [
        { image: 'geth', count: 2 },
        { image: 'geth', count: 1, extra: true },
      ],
    });
  });

  it('reads quoted scalars continued on less indented lines, as libyaml does', () => {
    const text = "participants:\n  - cmd: 'run --flag\n--other'\n    note: \"two\nlines\"\nlast: 'a\n  b'\n";
    assert.deepEqual(readArgs({ argsFile: file('d.yaml', text) }), {
      participants: [{ cmd: 'run --flag --other', note: 'two lines' }],
      last: 'a b',
    });
    assert.deepEqual(readArgs({ argsFile: file('e.yaml', "a: 'it''s\nhere'\n") }), { a: "it's here" });
  });

  it('sorts YAML mapping keys (the Go map in between is written in key order)', () => {
    const args = readArgs({ argsFile: file('f.yaml', 'zeta: 1\nalpha:\n  b: 1\n  a: 2\n1: x\n') });
    assert.equal(argumentsText(args), '{"1":"x","alpha":{"a":2,"b":1},"zeta":1}');
  });

  it('keeps the last of duplicate YAML keys, as yaml.v2 does', () => {
    assert.deepEqual(readArgs({ argsFile: file('g.yaml', 'a: 1\na: 2\n') }), { a: 2 });
  });

  it('chooses JSON or YAML by the content, as Kurtosis does', () => {
    assert.deepEqual(readArgs({ args: 'replicas: 2' }), { replicas: 2 });
    const jsonInYaml = readArgs({ argsFile: file('h.yaml', '{"one": 1.0, "far": 18446744073709551615}') });
    assert.equal(argumentsText(jsonInYaml), '{"one":1.0,"far":18446744073709551615}', 'valid JSON is read as JSON');
    userError(() => readArgs({ argsFile: file('i.json', '{"a": 1,,}') }), /i\.json:1:9: not valid JSON/);
  });

  it('keeps exact values through the merge of --args-file and --args', () => {
    const argsFile = file('j.yaml', 'b: 1\na: 18446744073709551615\n');
    const args = readArgs({ argsFile, args: '{"b": 2.0, "c": 3}' });
    assert.equal(argumentsText(args), '{"a":18446744073709551615,"b":2.0,"c":3}');
  });

  it('refuses numbers JSON cannot carry', () => {
    userError(() => readArgs({ args: '{"a": 1e400}' }), 'argument a: 1e400 is too large for a JSON number');
    userError(() => readArgs({ argsFile: file('k.yaml', 'a: [.nan]\n') }), 'argument a.0: NaN is not a JSON number');
  });
});
