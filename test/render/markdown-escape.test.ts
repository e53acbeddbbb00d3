// Markdown injection (issue 18, item 7): a package's names, values and descriptions must
// stay text in the pull-request comment. Unit tests of the escaping (markdown-escape.ts),
// then the comment of a hostile package — artifact name `</summary></details>` and a
// heading, an image, a mention, pipes, fences, <script> — parsed by a real GFM renderer
// (marked): its Markdown tokens and its HTML hold only the structure starform wrote.
import assert from 'node:assert/strict';
import { fenced, packageCode, packageText } from '../../lib/render/markdown-escape.js';
import { renderPlanMarkdown, type MarkdownPlan } from '../../lib/render/plan-markdown.js';
import { decodeReferences, planFixture } from './helpers.js';

type Marked = typeof import('marked');

async function loadMarked(): Promise<Marked | null> {
  try {
    return await import('marked');
  } catch {
    return null;
  }
}

const HOSTILE =
  'x</summary></details>\n\n## LGTM: nothing changes\n\n![ok](https://example.invalid/i.png) @team | `a` ``` <b>*y*</b> [l](https://example.invalid) \u001b[2J\u202e';

/** Tag names starform's comment uses, and those marked makes of its Markdown. */
const ALLOWED_TAGS = new Set([
  'details',
  'summary',
  'code',
  'h3',
  'h4',
  'p',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'pre',
  'blockquote',
  'ul',
  'li',
  'sub',
  'strong',
  'em',
]);

interface Structure {
  readonly headings: string[];
  readonly html: string[];
  readonly codeLangs: string[];
  readonly inlineKinds: Set<string>;
  readonly tags: Map<string, number>;
}

function structure(marked: Marked, md: string): Structure {
  const tokens = marked.lexer(md, { gfm: true });
  const headings: string[] = [];
  const html: string[] = [];
  const codeLangs: string[] = [];
  const inlineKinds = new Set<string>();
  void marked.walkTokens(tokens, (t) => {
    if (t.type === 'heading') headings.push(t.text);
    else if (t.type === 'html' && 'block' in t && t.block === true)
      html.push(
        t.raw
          .trim()
          .split('\n')[0]!
          .replace(/<summary>.*<\/summary>/, '<summary>…</summary>'),
      );
    else if (t.type === 'code') codeLangs.push(t.lang ?? '');
    else inlineKinds.add(t.type);
  });
  const tags = new Map<string, number>();
  for (const m of marked.parse(md, { gfm: true, async: false }).matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)/g)) {
    const key = `${m[1]}${m[2]!.toLowerCase()}`;
    tags.set(key, (tags.get(key) ?? 0) + 1);
  }
  return { headings, html, codeLangs, inlineKinds, tags };
}

describe('Markdown escaping of package strings', () => {
  it('inline text: no tag, heading, emphasis, link, pipe or line break survives', () => {
    const out = packageText(HOSTILE, 'inline');
    assert.doesNotMatch(out.replace(/&#\d+;/g, ''), /[!-/:-@[-`{-~\n\r\u001b\u202e]/, 'no ASCII punctuation or control character but in references');
    assert.equal(
      decodeReferences(out).replace(/\u2060/g, ''),
      'x</summary></details>\\n\\n## LGTM: nothing changes\\n\\n![ok](https://example.invalid/i.png) @team | `a` ``` <b>*y*</b> [l](https://example.invalid) \\u001b[2J\\u202e',
    );
    assert.equal(packageCode('a<b'), '<code>a&#60;b</code>');
    assert.equal(packageText('@team', 'inline'), '&#64;\u2060team', 'no GitHub mention');
  });

  it('a code fence is longer than any run of backticks in its body', () => {
    assert.equal(fenced('diff', 'plain'), '```diff\nplain\n```');
    assert.equal(fenced('', 'a ``` b\n````\nc'), '`````\na ``` b\n````\nc\n`````');
    assert.equal(packageText('a\u001b[8mhidden\r\nb', 'code'), 'a\\u001b[8mhidden\nb');
  });

  it('mermaid labels use mermaid references', () => {
    assert.equal(packageText('a"]; click x "javascript:y', 'mermaid'), 'a#34;#93;#59; click x #34;javascript#58;y');
  });
});

describe('show --markdown of a hostile package, through a real GFM renderer (marked)', function () {
  let marked: Marked | null = null;
  before(async function () {
    marked = await loadMarked();
    if (marked === null) this.skip(); // marked is not installed: nothing to render with
  });

  const hostile = planFixture('fixtures/markdown/hostile');
  const applied = hostile.after();
  // Against the applied state, with the template changed: the artifact with the hostile name is replaced,
  // which forces the service that mounts it; a hostile locator and plan file path too.
  const changed = planFixture('fixtures/markdown/hostile', { note: `${HOSTILE} (v2)` }, applied, 'plans/`x`|y\n## z.plan');
  const withHostileLocator: MarkdownPlan = { ...changed.markdown, package: { ...changed.markdown.package, locator: 'a|b</code>\n# c' } };

  it('a first plan: only the structure starform wrote', () => {
    const s = structure(marked!, renderPlanMarkdown(hostile.markdown, { graph: true }));
    assert.deepEqual(s.headings, [`starform plan for ${packageCode('local/hostile')}`, 'Created and run (3)', 'Dependencies of the changed steps']);
    assert.deepEqual(s.html, [
      '<details><summary>…</summary>',
      '</details>',
      '<details><summary>…</summary>',
      '</details>',
      '<details><summary>…</summary>',
      '</details>',
    ]);
    assert.deepEqual(s.codeLangs, ['diff', 'diff', 'yaml', 'mermaid']);
    for (const kind of ['link', 'image', 'del', 'br']) assert.ok(!s.inlineKinds.has(kind), `no ${kind}`);
    for (const tag of s.tags.keys()) assert.ok(ALLOWED_TAGS.has(tag.replace('/', '')), `unexpected <${tag}>`);
    assert.equal(s.tags.get('details'), 3);
    assert.equal(s.tags.get('/details'), 3);
    assert.equal(s.tags.get('summary'), 3);
    assert.equal(s.tags.get('/summary'), 3);
    assert.equal(s.tags.get('table'), 2);
  });

  it('a replacement of the hostile artifact, a hostile locator and plan file path: still only that structure', () => {
    const md = renderPlanMarkdown(withHostileLocator, { graph: true });
    const s = structure(marked!, md);
    assert.deepEqual(s.headings, [`starform plan for ${packageCode('a|b</code>\n# c')}`, 'Deleted and replaced (2)', 'Dependencies of the changed steps']);
    for (const kind of ['link', 'image', 'del', 'br']) assert.ok(!s.inlineKinds.has(kind), `no ${kind}`);
    for (const tag of s.tags.keys()) assert.ok(ALLOWED_TAGS.has(tag.replace('/', '')), `unexpected <${tag}>`);
    assert.equal(s.tags.get('details'), s.tags.get('/details'));
    assert.equal(s.tags.get('summary'), 2);
    const html = marked!.parse(md, { gfm: true, async: false });
    // Each table row has exactly the cells starform wrote.
    for (const row of html.match(/<tr>[\s\S]*?<\/tr>/g) ?? []) assert.ok((row.match(/<t[dh]/g) ?? []).length === 2, row);
    assert.match(decodeReferences(md), /Apply with \| <code>starform apply 'plans\/`x`\|y\\n## z\.plan'<\/code>/);
    assert.match(decodeReferences(md), /will be replaced — artifact\.notes<\/summary><\/details>\\n## LGTM: nothing changes is replaced; web uses its files/);
  });

  it('the renderer shows the hostile strings as text', () => {
    const html = marked!.parse(renderPlanMarkdown(hostile.markdown), { gfm: true, async: false });
    assert.ok(decodeReferences(html).includes('<summary><code>+ artifact.notes</summary></details>\\n## LGTM: nothing changes</code> will be created'));
    assert.ok(html.includes('x&lt;/summary&gt;&lt;/details&gt;'), 'inside code, marked escapes it');
    assert.doesNotMatch(html, /<script|<img|<a |<h1|<h2/);
  });
});
