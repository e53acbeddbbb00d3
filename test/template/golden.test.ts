// Conformance with Go: fixtures/templates/cases.json holds templates and data rendered by
// Go 1.19's real text/template, fed through Kurtosis's data pipeline (see the README next
// to it), with the exact output or error message Go produced. Every case must come out of
// our engine byte for byte: same output, or a TemplateError of the same phase with the same
// message. Cases are grouped by the first segment of their name, one test per group, and a
// failing group lists every differing case.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { TemplateError, parseTemplate } from '../../lib/template/index.js';
import type { MissingKey } from '../../lib/template/index.js';

interface GoldenCase {
  name: string;
  tmplName?: string;
  missingKey?: MissingKey;
  template: string;
  data?: string;
  dataRef?: string;
  output?: string;
  outputBase64?: string;
  error?: string;
  phase?: 'parse' | 'exec';
}

interface GoldenFile {
  shared: Record<string, string>;
  cases: GoldenCase[];
}

type Outcome = { output: string } | { outputBase64: string } | { error: string; phase: string };

const golden = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'fixtures/templates/cases.json'), 'utf8')) as GoldenFile;

function expected(c: GoldenCase): Outcome {
  if (c.error !== undefined) return { error: c.error, phase: c.phase ?? '' };
  if (c.outputBase64 !== undefined) return { outputBase64: c.outputBase64 };
  return { output: c.output ?? '' };
}

function actual(c: GoldenCase): Outcome {
  const dataText = c.dataRef !== undefined ? golden.shared[c.dataRef] : c.data;
  if (dataText === undefined) throw new Error(`case ${c.name}: no data`);
  const data: unknown = JSON.parse(dataText);
  const options = { missingKey: c.missingKey ?? 'default' } as const;
  try {
    const t = parseTemplate(c.tmplName ?? 't', c.template);
    if (c.outputBase64 !== undefined) return { outputBase64: t.executeToBuffer(data, options).toString('base64') };
    return { output: t.execute(data, options) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.message, phase: e.phase };
    throw new Error(`case ${c.name}: threw a non-TemplateError: ${(e as Error).stack ?? String(e)}`);
  }
}

const groups = new Map<string, GoldenCase[]>();
for (const c of golden.cases) {
  const g = c.name.split('/')[0]!;
  let list = groups.get(g);
  if (list === undefined) groups.set(g, (list = []));
  list.push(c);
}

describe('template: conformance with Go text/template (fixtures/templates/cases.json)', () => {
  it('has a substantial corpus', () => {
    assert.ok(golden.cases.length > 3000, `only ${golden.cases.length} cases`);
    assert.equal(new Set(golden.cases.map((c) => c.name)).size, golden.cases.length, 'case names are unique');
  });

  for (const [group, cases] of groups) {
    it(`${group} (${cases.length} cases)`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const want = expected(c);
        const got = actual(c);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          failures.push(`${c.name}\n    template: ${JSON.stringify(c.template)}\n    want: ${JSON.stringify(want)}\n    got:  ${JSON.stringify(got)}`);
        }
      }
      assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ from Go:\n  ${failures.join('\n  ')}`);
    });
  }
});
