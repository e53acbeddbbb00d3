// The plan views' direct YAML writer (lib/render/config-yaml.ts) against the `yaml` library
// it stands in for: wherever it writes, it writes the library's text byte for byte, over
// hand-picked edge cases and thousands of generated values full of strings that YAML reads
// specially; and it does write (does not decline) the configurations plans are made of.
import assert from 'node:assert/strict';
import { writeConfigYaml } from '../../lib/render/config-yaml.js';
import { configText, libraryYaml } from '../../lib/render/plan-view.js';
import type { JsonValue } from '../../lib/util/json.js';

const TRICKY_STRINGS = [
  'plain',
  'with space',
  'starform-test/busybox:latest',
  'http://host:8080/path?q=1#frag',
  'a: b',
  'a:',
  ':a',
  'a #b',
  'a#b',
  '#a',
  '- a',
  '-',
  '-a',
  '?',
  '? a',
  '?a',
  ' lead',
  'trail ',
  '',
  'true',
  'True',
  'FALSE',
  'yes',
  'null',
  'Null',
  '~',
  '1',
  '-1',
  '+1',
  '0x1F',
  '0o17',
  '1e3',
  '.5',
  '1.',
  '.inf',
  '-.Inf',
  '.nan',
  '8000',
  '1.2.3',
  '---',
  '--- a',
  '...',
  '%YAML',
  '@at',
  '`tick',
  '&anchor',
  '*alias',
  '!tag',
  '|pipe',
  '>fold',
  "it's",
  'say "hi"',
  `both ' and "`,
  'a,b',
  '[x]',
  '{y}',
  'x]',
  'multi\nline',
  'tab\there',
  'bell\x07',
  'del\x7f',
  'é and ü',
  '日本',
  'emoji 🎉',
  'back\\slash',
  'a'.repeat(39),
  'b'.repeat(40),
  'k'.repeat(1100),
  '$(echo hi)',
  'KEY=value',
  '--flag=1',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generate(rand: () => number, depth: number): JsonValue {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const s = rand();
    if (s < 0.6) return pick(TRICKY_STRINGS);
    if (s < 0.75) return pick([0, 1, -7, 8000, 1.5, -0.25, 1e21, 123456789]);
    if (s < 0.85) return pick([true, false]);
    return null;
  }
  if (r < 0.7) {
    const n = Math.floor(rand() * 15);
    return Array.from({ length: n }, () => generate(rand, depth - 1));
  }
  const n = Math.floor(rand() * 6);
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < n; i++)
    out[rand() < 0.7 ? pick(['name', 'image', 'ports', 'env_vars', 'cmd', 'files', 'a b', '1', 'true']) : pick(TRICKY_STRINGS)] = generate(rand, depth - 1);
  return out;
}

function assertSameAsLibrary(v: JsonValue): boolean {
  const mine = writeConfigYaml(v);
  if (mine === undefined) return false;
  assert.equal(mine, libraryYaml(v), `for ${JSON.stringify(v)}`);
  return true;
}

describe('render: the direct YAML writer of plan configurations', () => {
  it('writes each tricky string as the library does, as a value, a key and a flow item (or declines)', () => {
    let written = 0;
    for (const s of TRICKY_STRINGS) {
      for (const v of [{ k: s }, { [s]: 'v' }, { k: [s, 'x'] }, [s], [{ a: s, b: [1, 2] }], { k: { [s]: [s] } }, s]) if (assertSameAsLibrary(v)) written++;
    }
    assert.ok(written > TRICKY_STRINGS.length * 4, `wrote only ${written} of ${TRICKY_STRINGS.length * 7}`);
  });

  it('matches the library on 5,000 generated nested values', () => {
    const rand = rng(19);
    let written = 0;
    for (let i = 0; i < 5000; i++) if (assertSameAsLibrary(generate(rand, 4))) written++;
    assert.ok(written > 1000, `wrote only ${written} of 5000`);
  });

  it('writes a typical service configuration itself, with flow and block sequences and nested maps', () => {
    const config: JsonValue = {
      cmd: ['httpd', '-f', '-p', '8000'],
      entrypoint: ['/bin/sh', '-c', 'echo "$ROLE" && exec httpd -f -p 8000 --verbose --with-a-long-flag'],
      env_vars: { INDEX: '7', PEER: 'svc-8', ROLE: 'follower', EMPTY: '' },
      files: { '/etc/shared': 'shared-config' },
      image: 'starform-test/busybox:latest',
      ports: { http: { application_protocol: 'http', number: 8000 }, metrics: { number: 9100 } },
      min_cpu: 0,
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }, {}],
    };
    const text = writeConfigYaml(config);
    assert.notEqual(text, undefined);
    assert.equal(text, libraryYaml(config));
    assert.equal(
      configText(config),
      [
        'cmd: [httpd, -f, -p, "8000"]',
        'entrypoint:',
        '  - /bin/sh',
        '  - -c',
        '  - echo "$ROLE" && exec httpd -f -p 8000 --verbose --with-a-long-flag',
        'env_vars:',
        '  INDEX: "7"',
        '  PEER: svc-8',
        '  ROLE: follower',
        'files:',
        '  /etc/shared: shared-config',
        'image: starform-test/busybox:latest',
        'ports:',
        '  http:',
        '    application_protocol: http',
        '    number: 8000',
        '  metrics:',
        '    number: 9100',
        'tolerations:',
        '  - effect: NoSchedule',
        '    key: dedicated',
        '    operator: Equal',
        '    value: infra',
        '  - {}',
        '',
      ].join('\n'),
    );
  });

  it('leaves to the library what it does not write: multi-line strings, a string with a double quote, sequences in sequences', () => {
    for (const v of [{ script: 'line one\nline two' }, { msg: '"quoted" first' }, [['a'], ['b']], { n: Number.NaN }] as JsonValue[]) {
      assert.equal(writeConfigYaml(v), undefined, JSON.stringify(v));
    }
    assert.equal(configText({ script: 'line one\nline two' }), 'script: |-\n  line one\n  line two\n');
  });
});
