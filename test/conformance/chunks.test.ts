// Tests of the conformance suite's own machinery: chunk splitting and line numbering as
// in the reference harness, Go string unquoting, and the Go-to-JavaScript regexp
// translation (each case checked against what Go's regexp package does).
import assert from 'node:assert/strict';
import { ChunkReport, goUnquote, GoUnquoteError, readChunks } from './chunks.js';
import { goRegExp, GoRegExpError } from './goregexp.js';
import { chunkOptions, selectFiles, conformanceFiles } from './suites.js';

describe('conformance: chunked files', () => {
  it('splits on --- lines and pads each chunk to its file lines', () => {
    const chunks = readChunks('a = 1\nb = 2 ### "x"\n---\nc = 3\n---\n\nd ### `y+`\n');
    assert.equal(chunks.length, 3);
    assert.deepEqual(
      chunks.map((c) => c.startLine),
      [1, 4, 6],
    );
    assert.equal(chunks[1]!.source, '\n\n\nc = 3');
    assert.equal(chunks[2]!.source.split('\n')[6], 'd ### `y+`');
    assert.deepEqual([...chunks[0]!.expectations.keys()], [2]);
    assert.deepEqual([...chunks[2]!.expectations.keys()], [7]);
    assert.equal(chunks[2]!.expectations.get(7)!.pattern, 'y+');
  });

  it('reports malformed expectations', () => {
    const [chunk] = readChunks('x ### not quoted\n');
    assert.equal(chunk!.malformed.length, 1);
    assert.equal(chunk!.malformed[0]!.line, 1);
  });

  it('judges errors like the reference harness', () => {
    const [chunk] = readChunks('a ### "div.*zero"\nb ### "other"\nc\n');
    const ok = new ChunkReport(chunk!);
    ok.gotError(1, 'division by zero');
    ok.gotError(2, 'some other thing');
    ok.done();
    assert.deepEqual(ok.problems, []);

    const bad = new ChunkReport(chunk!);
    bad.gotError(1, 'overflow');
    bad.gotError(3, 'surprise');
    bad.done();
    assert.deepEqual(
      bad.problems.map((p) => p.line),
      [1, 2, 3],
    );
    assert.match(bad.problems[0]!.msg, /does not match pattern/);
    assert.match(bad.problems[1]!.msg, /expected error matching "other"/);
    assert.match(bad.problems[2]!.msg, /unexpected error: surprise/);
  });

  it('reads options from chunk text', () => {
    assert.deepEqual(chunkOptions('# option:recursion option:set'), { while: true, recursion: true, set: true });
    assert.deepEqual(chunkOptions('# option:globalreassign option:loadbindsglobally'), {
      globalReassign: true,
      loadBindsGlobally: true,
    });
    assert.deepEqual(chunkOptions('# (without globalreassign option)'), {});
  });

  it('selects files by directory, path and base name', () => {
    const files = conformanceFiles('/ref');
    const pick = (...names: string[]) => selectFiles(files, names).selected.map((f) => f.rel);
    assert.deepEqual(pick('syntax'), ['syntax/testdata/errors.star', 'syntax/testdata/scan.star']);
    assert.deepEqual(pick('starlark/testdata/int.star'), ['starlark/testdata/int.star']);
    assert.deepEqual(pick('int.star', 'resolve'), ['resolve/testdata/resolve.star', 'starlark/testdata/int.star']);
    assert.deepEqual(pick('struct'), ['starlarkstruct/testdata/struct.star']);
    assert.deepEqual(selectFiles(files, ['benchmark.star']).unmatched, ['benchmark.star']);
  });
});

describe('conformance: Go string literals', () => {
  it('unquotes interpreted, raw and rune literals', () => {
    assert.equal(goUnquote('"got \\\\*, want"'), 'got \\*, want');
    assert.equal(goUnquote("`got '\\*'`"), "got '\\*'");
    assert.equal(goUnquote('"a\\tb\\x41\\101\\u00e9\\U0001F600"'), 'a\tbAAé😀');
    assert.equal(goUnquote('"\\xc3\\xa9"'), 'é');
    assert.equal(goUnquote("'x'"), 'x');
  });

  it('rejects what strconv.Unquote rejects', () => {
    for (const bad of ['"abc', 'abc', '"a"b"', '"\\q"', '"\\\'"', "'ab'", '`a`b`', '"\\400"', '"\\xZZ"']) {
      assert.throws(() => goUnquote(bad), GoUnquoteError, bad);
    }
  });
});

describe('conformance: Go regexps', () => {
  const cases: [pattern: string, matches: string[], nonMatches: string[]][] = [
    ['(?i)Division BY zero', ['integer division by zero'], ['division by one']],
    ['got \\*, want', ['got *, want primary'], ['got x, want']],
    ['a.c', ['abc'], ['a\nc']],
    ['(?s)a.c', ['a\nc'], []],
    ['\\Qa.b*c\\E$', ['xa.b*c'], ['aXbbc', 'a.b*cd']],
    ['(?P<word>fo+)bar', ['fooobar'], ['fbar']],
    ['^a\\s+b\\z', ['a \t b'], ['a\u00a0b', 'a b\n']],
    ['\\Aab', ['abc'], ['cab']],
    ['[[:digit:]x]+$', ['12x3'], ['12a']],
    ['x{2}y{', ['xxy{'], ['xy{']],
    ['a}]', ['a}]'], []],
    ['[]a]+', [']a]'], ['b']],
    ['\\x41\\x{1F600}\\101', ['A😀A'], ['AA']],
    ['\\pL\\p{Greek}\\PN', ['aΩx'], ['aΩ1', 'abx']],
    ['did you mean "x"\\?', ['did you mean "x"?'], []],
    [`name froze not found .*did you mean freeze`, ['name froze not found in module; did you mean freeze?'], []],
    ['[^\\]]+\\]', ['ab]'], []],
    ['a/b-c', ['a/b-c'], []],
  ];
  for (const [pattern, yes, no] of cases) {
    it(`translates ${pattern}`, () => {
      const re = goRegExp(pattern);
      for (const s of yes) assert.ok(re.test(s), `${pattern} should match ${JSON.stringify(s)} (as ${re})`);
      for (const s of no) assert.ok(!re.test(s), `${pattern} should not match ${JSON.stringify(s)} (as ${re})`);
    });
  }

  it('refuses what it cannot translate faithfully', () => {
    for (const bad of ['a(?i)b', '(?U)a*', '\\1', '(a', 'a)', '[a', '\\e', '[[:^alpha:]]']) {
      assert.throws(() => goRegExp(bad), GoRegExpError, bad);
    }
  });
});
