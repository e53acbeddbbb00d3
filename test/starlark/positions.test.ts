// Where a run-time error is reported: at the operation that failed, as the reference
// implementation's compiler sets it (go.starlark.net internal/compile: setPos before each
// operation's instruction, after its operands) — a binary or unary operator at the
// operator, an index or slice at its `[`, an attribute at its `.`, a dict literal's
// duplicate key at its `:`, an augmented assignment at its operator — even when the
// operands call functions, which move the position while they run.
import assert from 'node:assert/strict';
import { EvalError, FULL_DIALECT, Thread, execFile } from '../../lib/starlark/index.js';

/** The innermost position of the error `src` raises, as `line:col`, and its message. */
function failure(src: string): string {
  try {
    execFile(new Thread(), 'pos.star', src, { dialect: FULL_DIALECT });
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    const frame = e.callStack.find((f) => f.file === 'pos.star')!;
    return `${frame.line}:${frame.col}: ${e.msg}`;
  }
  assert.fail('expected an error');
}

const PRELUDE = 'def h():\n    return 1\n';

describe('starlark: run-time error positions', () => {
  const cases: [string, string, string][] = [
    // [description, last line of the source (line 3), expected position and message]
    ['a binary operator whose right operand calls', 'x = 1 + str(h())', '3:7: unknown binary op: int + string'],
    ['a binary operator whose left operand calls', 'x = h() + "s"', '3:9: unknown binary op: int + string'],
    ['the first of two additions', 'x = [1][0] + "s" + "t"', '3:12: unknown binary op: int + string'],
    ['a comparison', 'x = h() < "s"', '3:9: int < string not implemented'],
    ['an index whose key calls', 'x = [1, 2][h() + 5]', '3:11: list index 6 out of range [-2:1]'],
    ['an index of a call', 'x = {"a": 1}[str(h())]', '3:13: key "1" not in dict'],
    ['a slice whose bounds call', 'x = h()[h():h()]', '3:8: invalid slice operand int'],
    ['an attribute of a call', 'x = h().nope', '3:8: int has no .nope field or method'],
    ['a unary operator on a call', 'x = -str(h())', '3:5: unknown unary op: - string'],
    ['a duplicate key in a dict literal', 'x = {"a": h(), "a": h()}', '3:19: duplicate key: "a"'],
    ['an augmented assignment whose right side calls', 'x = 1\nx += str(h())', '4:3: unknown binary op: int + string'],
    ['an assignment to an index whose key calls', 'x = [0]\nx[h() + 4] = 1', '4:2: list index 5 out of range [-1:0]'],
    ['an augmented assignment to an index', 'x = [0]\nx[0] += str(h())', '4:6: unknown binary op: int + string'],
  ];
  for (const [what, line, expected] of cases) {
    it(what, () => {
      const src = `${PRELUDE}${line}\n`;
      const got = failure(src);
      const [pos] = expected.split(': ');
      assert.equal(got.split(': ')[0], pos, `${line}\n  got ${got}`);
      assert.ok(got.includes(expected.slice(pos.length + 2).split(' ')[0]), got);
    });
  }
});
