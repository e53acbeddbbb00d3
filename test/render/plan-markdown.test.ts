// The pull-request comment (`show --markdown`, lib/render/plan-markdown.ts): one golden
// file per case under test/golden/markdown/ (UPDATE_GOLDEN=1 rewrites them), the size
// budget on a 300-service change, and the reason given for a replacement that a
// dependency forces. Hostile package strings are in markdown-escape.test.ts.
import assert from 'node:assert/strict';
import { DEFAULT_MAX_BYTES, readable, renderPlanMarkdown, type MarkdownPlan } from '../../lib/render/plan-markdown.js';
import { emptyState } from '../../lib/state/index.js';
import { expectGolden } from '../util/golden.js';
import { decodeReferences, planFixture } from './helpers.js';

const DEPS = 'fixtures/packages/deps';
const MANY = 'fixtures/markdown/many';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('show --markdown: the pull-request comment', () => {
  const first = planFixture(DEPS);
  const applied = first.after();

  describe('golden files', () => {
    it('a first plan: creations, and one-off steps drawn as steps that run, not as creations', () => {
      const md = renderPlanMarkdown(first.markdown);
      expectGolden(md, 'test/golden/markdown/deps-new.md');
      assert.match(md, /<code>&#62; exec&#46;[0-9a-f]{12}<\/code> will run — new step<\/summary>/);
      assert.doesNotMatch(md, /```diff\n\+ acceptable_codes/, 'an exec is not shown as a creation');
      assert.match(md, /a new state \(none existed when it was planned\)/);
    });

    it('a change: the header, a caution banner, the reason of a forced replacement, readable future references, the graph', () => {
      const change = planFixture(DEPS, { db_version: '2' }, applied);
      const md = renderPlanMarkdown(change.markdown, { graph: true });
      expectGolden(md, 'test/golden/markdown/deps-change.md');
      const app = change.markdown.changes.find((c) => c.stepId === 'service.app')!;
      assert.equal(app.action, 'no-op', 'app uses only the address of db, which a replace keeps');
      const text = decodeReferences(md);
      assert.match(text, /### starform plan for <code>github\.com\/starform-fixtures\/deps<\/code>/);
      assert.match(text, /\| Planned against \| lineage <code>00000000-0000-4000-8000-000000000000<\/code>, serial \d+ \|/);
      assert.ok(text.includes(`checksum <code>${change.loaded.checksum}</code>`));
      assert.match(text, /\| Written by \| starform 0\.0\.0-test \|/);
      assert.match(text, /\| Apply with \| <code>starform apply change\.plan<\/code> \|/);
      assert.match(text, /> \[!CAUTION\]\n> This plan \*\*replaces 1\*\*/);
      assert.ok(text.includes('msg: "migration said: (known after apply: exec.'), 'future references read as such');
      assert.ok(!text.includes('{{starform:'));
      assert.match(text, /```mermaid\nflowchart LR\n/);
      assert.match(text, /s0 --> s1/, 'the graph has an arrow from db to the exec on it');
    });

    it('a deletion: the banner says so and the deletion comes first', () => {
      const md = renderPlanMarkdown(planFixture(DEPS, { with_metrics: false }, applied).markdown);
      expectGolden(md, 'test/golden/markdown/deps-delete.md');
      const text = decodeReferences(md);
      assert.match(text, /This plan \*\*deletes 1\*\* service or files artifact/);
      assert.ok(
        text.includes('#### Deleted and replaced (1)\n\n<details><summary><code>- service.metrics</code> will be deleted — no longer in the package</summary>'),
      );
    });

    it('no changes: the header and the summary only', () => {
      const md = renderPlanMarkdown(planFixture(DEPS, {}, applied).markdown);
      expectGolden(md, 'test/golden/markdown/deps-unchanged.md');
      assert.match(md, /\*\*No changes\.\*\* The environment matches the package\./);
      assert.doesNotMatch(md, /CAUTION|<details>/);
    });

    it('warnings stored in the plan file are shown, and hostile names stay text', () => {
      const hostile = planFixture('fixtures/markdown/hostile');
      assert.equal(hostile.loaded.plan.warnings?.length, 1, 'the plan file keeps the warning');
      const md = renderPlanMarkdown(hostile.markdown, { graph: true });
      expectGolden(md, 'test/golden/markdown/hostile.md');
      assert.match(decodeReferences(md), /\*\*Warnings \(1\):\*\*\n\n- main\.star:\d+:\d+: "cpu_allocation" field for "ServiceConfig" is deprecated/);
    });

    it('a budget too small for every detail: the middle is shortened, with a note saying how to see all', () => {
      const state = planFixture(MANY, { count: 24 }).after();
      const change = planFixture(MANY, { count: 20, version: '2', extra: 6 }, state);
      const md = renderPlanMarkdown(change.markdown, { maxBytes: 12_000 });
      expectGolden(md, 'test/golden/markdown/many-budget.md');
      assert.ok(bytes(md) <= 12_000, `${bytes(md)} bytes`);
    });

    it('creations under a budget: the first and last keep their details, those between are one line each', () => {
      const state = planFixture(MANY, { count: 2 }).after();
      const md = renderPlanMarkdown(planFixture(MANY, { count: 2, extra: 30 }, state).markdown, { maxBytes: 6_000 });
      expectGolden(md, 'test/golden/markdown/many-creations-budget.md');
      assert.ok(bytes(md) <= 6_000, `${bytes(md)} bytes`);
      const text = decodeReferences(md);
      assert.match(text, /_… the details of \d+ changes in between are shortened to one line each to fit in this comment:_/);
      for (let i = 0; i < 30; i++) assert.ok(text.includes(`<code>+ service.extra-${i}</code> will be created`), `extra-${i} is named`);
      assert.ok(text.includes('<details><summary><code>+ service.extra-0</code>') && text.includes('<details><summary><code>+ service.extra-29</code>'));
    });
  });

  describe('the size budget', function () {
    this.timeout(120_000);
    // 320 services applied; the change deletes 20 (and 10 pair artifacts), changes the
    // version of the 150 even ones and of the 150 pair artifacts (replaced) — which forces
    // the 150 odd ones that mount them — creates 50 others and runs 300 one-off steps.
    const state = planFixture(MANY, { count: 320 }).after();
    const change = planFixture(MANY, { count: 300, version: '2', extra: 50 }, state);
    const critical = change.markdown.changes.filter((c) => c.action === 'delete' || c.action === 'replace');

    it('a 300-service change fits in the default budget, every deletion and replacement named', () => {
      assert.equal(critical.length, 480);
      const md = renderPlanMarkdown(change.markdown);
      assert.ok(bytes(md) <= DEFAULT_MAX_BYTES, `${bytes(md)} bytes`);
      const text = decodeReferences(md);
      for (const c of critical) {
        const symbol = c.action === 'delete' ? '-' : '-/+';
        assert.ok(text.includes(`<code>${symbol} ${c.stepId}</code>`), `${c.stepId} is in the comment`);
      }
      assert.ok(text.includes('<code>-/+ service.svc-1</code> will be replaced — artifact.pair-0 is replaced; svc-1 uses its files'));
      const svc1 = change.markdown.changes.find((c) => c.stepId === 'service.svc-1')!;
      assert.equal(svc1.cause, 'artifact.pair-0', 'the diff recorded the cause, and the plan file kept it');
      assert.match(text, /To see every change in full: <code>starform show change\.plan<\/code>/);
      assert.match(text, /left out to fit in this comment|shortened to one line each to fit in this comment/);
    });

    it('with --graph too, and under a smaller budget', () => {
      for (const maxBytes of [DEFAULT_MAX_BYTES, 55_000]) {
        const md = renderPlanMarkdown(change.markdown, { maxBytes, graph: true });
        assert.ok(bytes(md) <= maxBytes, `${bytes(md)} bytes for a budget of ${maxBytes}`);
        const text = decodeReferences(md);
        for (const c of critical) assert.ok(text.includes(` ${c.stepId}</code>`), `${c.stepId} is in the comment`);
        assert.match(text, /The dependency graph of the 830 changed steps is left out/);
      }
    });

    it('a small change keeps every detail under the budget', () => {
      const md = renderPlanMarkdown(planFixture(MANY, { count: 2, version: '2' }, planFixture(MANY, { count: 2 }).after()).markdown);
      assert.doesNotMatch(md, /to fit in this comment/);
      assert.equal((md.match(/<details>/g) ?? []).length, 5);
    });

    it('the budget holds for every size between (no off-by-one in the layout)', () => {
      for (let maxBytes = 4_000; maxBytes <= 40_000; maxBytes += 1_931) {
        const md = renderPlanMarkdown(planFixture(MANY, { count: 30, version: '2', extra: 10 }, planFixture(MANY, { count: 36 }).after()).markdown, {
          maxBytes,
          graph: true,
        });
        assert.ok(bytes(md) <= maxBytes, `${bytes(md)} bytes for a budget of ${maxBytes}`);
      }
    });
  });

  it('the budget holds with hundreds of long warnings and a very long locator and plan file name', () => {
    const p = planFixture(DEPS, { db_version: '3' }, applied, `${'dir/'.repeat(200)}change.plan`);
    const warnings = Array.from({ length: 400 }, (_, i) => `main.star:${i}:1: ${'<&> |'.repeat(100)}`);
    const big: MarkdownPlan = { ...p.markdown, warnings, package: { ...p.markdown.package, locator: 'x|'.repeat(5000) } };
    for (const maxBytes of [4_000, 5_000, 10_000, DEFAULT_MAX_BYTES]) {
      const md = renderPlanMarkdown(big, { maxBytes, graph: true });
      assert.ok(bytes(md) <= maxBytes, `${bytes(md)} bytes for a budget of ${maxBytes}`);
      assert.match(md, /\*\*Warnings \(400\):\*\*|does not fit in/);
    }
    assert.match(renderPlanMarkdown(big), /- … and \d+ more \(`starform show PLAN --json` lists them all\)/);
  });

  it('future references read "(known after apply: ...)"', () => {
    assert.deepEqual(readable({ a: ['x {{starform:service.db.ip_address}} y', '{{starform:exec.0123456789ab.output}}'], n: 1 }), {
      a: ['x (known after apply: db.ip_address) y', '(known after apply: exec.0123456789ab.output)'],
      n: 1,
    });
  });

  it('the header names a package given by locator as the plan file records it', () => {
    const p = planFixture(DEPS, {}, { ...emptyState(), lineage: '00000000-0000-4000-8000-000000000000' });
    const md = renderPlanMarkdown({ ...p.markdown, package: { ...p.markdown.package, locator: 'github.com/example/pkg/sub@v1.2.0' } });
    assert.match(decodeReferences(md), /### starform plan for <code>github\.com\/example\/pkg\/sub@v1\.2\.0<\/code>/);
  });
});
