// The template API as render_templates uses it: parse at plan time, render at apply time.
// Go conformance in depth is golden.test.ts; this file covers what the golden cases cannot
// (how JS data becomes Go values, byte-exact output, the error object, reuse, options,
// deep recursion) and spells out the Kurtosis behaviours of kurtosis-api.md §8 readably.
import assert from 'node:assert/strict';
import { JsonNumber, TemplateError, parseTemplate, renderTemplate } from '../../lib/template/index.js';

function renderError(text: string, data: unknown = {}): TemplateError {
  try {
    renderTemplate('t', text, data);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${String(e)}`);
    return e;
  }
  return assert.fail(`expected ${JSON.stringify(text)} to fail`);
}

describe('template: API', () => {
  describe('Kurtosis semantics (kurtosis-api.md §8)', () => {
    const data = { Name: 'Stranger', Answer: 6, Numbers: [1, 2, 3], Ts: 1257894000, F: 1231231243.43, Alive: true };

    it('prints values as Go does: numbers as their JSON text, lists and maps Go-style', () => {
      assert.equal(
        renderTemplate('t', '{{.Name}} {{.Answer}} {{.Numbers}} {{.Ts}} {{.F}} {{.Alive}}', data),
        'Stranger 6 [1 2 3] 1257894000 1231231243.43 true',
      );
      assert.equal(renderTemplate('t', '{{.M}}', { M: { b: 2, a: 'x' } }), 'map[a:x b:2]');
    });

    it('prints <no value> for missing keys and null, and ranges over maps in key order', () => {
      assert.equal(renderTemplate('t', '{{.Missing}} {{.Nil}} {{.Missing.x}}', { Nil: null }), '<no value> <no value> <no value>');
      assert.equal(renderTemplate('t', '{{ range $k, $v := .M }}{{$k}}={{$v}};{{end}}', { M: { b: 2, a: 'x' } }), 'a=x;b=2;');
    });

    it('treats numbers as json.Number: a string kind', () => {
      assert.match(renderError('{{ eq .Answer 6 }}', data).message, /error calling eq: incompatible types for comparison$/);
      assert.equal(renderTemplate('t', '{{ eq .Answer "6" }} {{ eq .Answer.Int64 6 }}', data), 'true true');
      assert.equal(renderTemplate('t', '{{ printf "%d" .Answer }} {{ printf "%v" .Answer }}', data), '%!d(json.Number=6) 6');
      assert.equal(renderTemplate('t', '{{ len .Numbers }} {{ len .Answer }} {{ print .Answer .Name }}', data), '3 1 6Stranger');
    });

    it('treats empty values as false — but the number 0 is the non-empty json.Number "0"', () => {
      for (const e of ['', [], null, false, {}]) {
        assert.equal(renderTemplate('t', '{{ if .E }}t{{else}}f{{end}}', { E: e }), 'f', JSON.stringify(e));
      }
      assert.equal(renderTemplate('t', '{{ if .E }}t{{else}}f{{end}}', { E: 0 }), 't');
    });

    it('has only the built-in functions (no Sprig): others are parse errors', () => {
      const e = renderError('{{ .x | toYaml }}');
      assert.equal(e.phase, 'parse');
      assert.equal(e.message, 'template: t:1: function "toYaml" not defined');
    });
  });

  describe('parseTemplate', () => {
    it('checks syntax without data and can be executed many times', () => {
      const t = parseTemplate('cfg', 'port={{.Port}}{{define "x"}}{{end}}');
      assert.equal(t.name, 'cfg');
      assert.deepEqual(t.definedTemplates, ['cfg', 'x']);
      assert.equal(t.execute({ Port: 1 }), 'port=1');
      assert.equal(t.execute({ Port: 2 }), 'port=2');
    });

    it('reports syntax errors as TemplateError with phase "parse"', () => {
      assert.throws(
        () => parseTemplate('conf/app.toml', 'a\n{{ if .x }}'),
        (e: unknown) => {
          assert.ok(e instanceof TemplateError);
          assert.ok(e instanceof Error);
          assert.equal(e.name, 'TemplateError');
          assert.equal(e.phase, 'parse');
          assert.equal(e.template, 'conf/app.toml');
          assert.equal(e.message, 'template: conf/app.toml:2: unexpected EOF');
          return true;
        },
      );
    });
  });

  describe('execution errors', () => {
    it('carry Go\'s location and context, and phase "exec"', () => {
      const e = renderError('line1\n  {{ index .l 5 }}', { l: [1] });
      assert.equal(e.phase, 'exec');
      assert.equal(e.template, 't');
      assert.equal(e.message, 'template: t:2:5: executing "t" at <index .l 5>: error calling index: index out of range: 5');
    });

    it('name the executing template and locate by the top-level name', () => {
      const e = renderError('{{define "sub"}}{{.a.b}}{{end}}{{template "sub" .}}', { a: 'x' });
      assert.equal(e.template, 'sub');
      assert.equal(e.message, 'template: t:1:20: executing "sub" at <.a.b>: can\'t evaluate field b in type interface {}');
    });

    it('honour the missingkey option', () => {
      const t = parseTemplate('t', '{{.missing}}');
      assert.equal(t.execute({}), '<no value>');
      assert.equal(t.execute({}, { missingKey: 'zero' }), '<no value>');
      assert.throws(
        () => t.execute({}, { missingKey: 'error' }),
        /^TemplateError: template: t:1:2: executing "t" at <.missing>: map has no entry for key "missing"$/,
      );
    });
  });

  describe('data', () => {
    it("gives JS numbers the text Go's encoding/json prints for the float64", () => {
      const out = renderTemplate('t', '{{range .}}{{.}} {{end}}', [1, 1.5, 0.1, 1e21, 1e20, 1e-7, 1e-6, -0, 2 ** 53 + 2, 123e-20]);
      assert.equal(out, '1 1.5 0.1 1e+21 100000000000000000000 1e-7 0.000001 -0 9007199254740994 1.23e-18 ');
    });

    it('keeps bigints and JsonNumbers exactly', () => {
      const data = { a: 2n ** 64n + 1n, b: new JsonNumber('1.50'), c: 2n ** 62n };
      assert.equal(renderTemplate('t', '{{.a}} {{.b}} {{len .b}} {{.c.Int64}}', data), '18446744073709551617 1.50 4 4611686018427387904');
      assert.match(renderError('{{.b.Int64}}', data).message, /error calling Int64: strconv.ParseInt: parsing "1.50": invalid syntax$/);
    });

    it('accepts Maps, skips undefined properties and turns undefined array items into nil', () => {
      const data = new Map<string, unknown>([
        ['b', [1, undefined]],
        ['a', { x: undefined, y: 'y' }],
      ]);
      assert.equal(renderTemplate('t', '{{.}}', data), 'map[a:map[y:y] b:[1 <nil>]]');
    });

    it('treats null data as no value', () => {
      assert.equal(renderTemplate('t', '{{.}} {{.a.b}}', null), '<no value> <no value>');
    });

    it('rejects values JSON cannot encode with phase "data"', () => {
      for (const [bad, msg] of [
        [NaN, 'json: unsupported value: NaN'],
        [Infinity, 'json: unsupported value: +Inf'],
        [new Map([[1, 2]]), 'json: unsupported map key type number'],
      ] as const) {
        const e = renderError('{{.}}', { v: bad });
        assert.equal(e.phase, 'data');
        assert.equal(e.message, msg);
      }
    });
  });

  describe('bytes', () => {
    it('works on UTF-8 bytes as Go does, and executeToBuffer gives the exact bytes', () => {
      const t = parseTemplate('t', '{{len .}} {{index . 0}} [{{slice . 0 1}}]');
      assert.equal(t.execute('é'), '2 195 [\ufffd]');
      assert.deepEqual(t.executeToBuffer('é'), Buffer.from([0x32, 0x20, 0x31, 0x39, 0x35, 0x20, 0x5b, 0xc3, 0x5d]));
    });

    it('keeps Unicode text, names and data intact', () => {
      assert.equal(renderTemplate('tëst', 'héllo {{.wörld}} 😀', { wörld: '→✓' }), 'héllo →✓ 😀');
      assert.equal(renderError('é {{ len 3 }}').message, 'template: t:1:6: executing "t" at <len 3>: error calling len: len of type int');
    });
  });

  describe('template recursion', () => {
    it('goes as deep as the data needs', () => {
      const t = '{{define "r"}}{{if .}}.{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .}}';
      assert.equal(
        renderTemplate(
          't',
          t,
          Array.from({ length: 20000 }, () => 0),
        ).length,
        20000,
      );
    });

    it("stops infinite recursion at Go's depth limit with Go's message", () => {
      assert.equal(
        renderError('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}').message,
        'template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (100000)',
      );
    });
  });
});
