// Which values count as secrets (lib/plan/sensitive.ts): names by words, flags and
// assignments inside command lines, pointer values left alone, marked arguments, and the
// STARFORM_SENSITIVE_NAMES setting.
import assert from 'node:assert/strict';
import { collectSensitive, mapSensitive, MASK, planSensitiveValues, SensitiveNames, sensitiveValues } from '../../lib/plan/sensitive.js';
import { emptyState } from '../../lib/state/model.js';
import { UserError } from '../../lib/util/errors.js';

const names = new SensitiveNames();

describe('plan: sensitive values', () => {
  it('matches names by words, in any case and style', () => {
    for (const n of [
      'POSTGRES_PASSWORD',
      'api_key',
      'apiKey',
      'privKey',
      'secret-key',
      'JWTSECRET',
      'validator_mnemonic',
      'GITHUB_TOKEN',
      'aws_secret_access_key',
      'Authorization',
      'private',
    ]) {
      assert.equal(names.matches(n), true, n);
    }
    for (const n of [
      'POSTGRES_USER',
      'KEYCLOAK_URL',
      'keymanager-port',
      'POSTGRES_PASSWORD_FILE',
      'keymanager-token-file',
      'secrets-dir',
      'AWS_ACCESS_KEY_ID',
      'builder-key-index',
      'monkeys_count',
      'database',
    ]) {
      assert.equal(names.matches(n), false, n);
    }
  });

  it('finds the values of secret-looking flags in command lists and shell strings', () => {
    const cmd = ['--secret-key', 'K1-abcdef', '--privkey=0xdeadbeef', '--datadir=/data', '-password', 'pw-123456', '--keymanager-port=7500'];
    assert.deepEqual(collectSensitive(cmd, names), ['K1-abcdef', '0xdeadbeef', 'pw-123456']);
    const sh = ['sh', '-c', "geth --validator-mnemonic='word1 word2' --jwt-secret=/jwt/jwtsecret PASSWORD=sekrit-1 run; echo --token tok-999"];
    assert.deepEqual(collectSensitive(sh, names), ['word1 word2', 'sekrit-1', 'tok-999']);
    assert.deepEqual(
      mapSensitive(['--privkey=0xdeadbeef', 'x'], names, () => MASK),
      [`--privkey=${MASK}`, 'x'],
    );
  });

  it('finds the shapes devnet packages use for keys and mnemonics', () => {
    const script = 'keygen run --insecure --vault-pass devpass1 --out /keys --from-mnemonic "alpha bravo charlie delta" --min 0 --max 64';
    assert.deepEqual(collectSensitive(script, names), ['devpass1', 'alpha bravo charlie delta']);
    const cmd = ['--builder-mnemonic=echo foxtrot golf', '--wallet-privkey=ab12cd34', '--p2p-priv-key=ef56ab78', '--relay-secret-key', '0x0123abcd'];
    assert.deepEqual(collectSensitive(cmd, names), ['echo foxtrot golf', 'ab12cd34', 'ef56ab78', '0x0123abcd']);
    assert.deepEqual(collectSensitive(['--mnemonic', 'lima mike november', '--count', '4'], names), ['lima mike november']);
    assert.deepEqual(collectSensitive({ PreregisteredValidatorKeysMnemonic: 'hotel india', ExtraMnemonics: ['juliet kilo'] }, names), [
      'hotel india',
      'juliet kilo',
    ]);
  });

  it('leaves values that point at a secret (paths, variables, references) and flags without values alone', () => {
    assert.deepEqual(
      collectSensitive(
        ['--jwt-secret=/jwt/jwtsecret', '--password=$PASS', '--token={{starform:exec.abc.output}}', '--enable-private-discovery', '--port', '1'],
        names,
      ),
      [],
    );
  });

  it('masks whole values under secret names at any depth, ImageSpec passwords included', () => {
    const config = {
      env_vars: { POSTGRES_PASSWORD: 'pw', POSTGRES_USER: 'app' },
      image: { type: 'registry', image: 'x', registry: 'r', username: 'u', password: 'registry-pass' },
      labels: { 'api-key': 'k-1234' },
      private_ip_address_placeholder: 'KURTOSIS_IP_ADDR_PLACEHOLDER',
      files: { '/data': { persistent_key: 'data-volume' } },
    };
    assert.deepEqual([...collectSensitive(config, names)].sort(), ['k-1234', 'pw', 'registry-pass']);
    const masked = mapSensitive(config, names, () => MASK) as typeof config;
    assert.equal(masked.env_vars.POSTGRES_PASSWORD, MASK);
    assert.equal(masked.env_vars.POSTGRES_USER, 'app');
    assert.equal(masked.private_ip_address_placeholder, 'KURTOSIS_IP_ADDR_PLACEHOLDER');
    assert.equal(masked.files['/data'].persistent_key, 'data-volume');
  });

  it('takes every leaf of a marked argument (a dotted path reaches nested ones), and secret-named arguments', () => {
    const args = { relay: 'relay-material', db: { host: 'h', root: ['r-one', 42] }, api_token: 'tok-42', name: 'n' };
    assert.deepEqual(sensitiveValues({ args, marked: ['relay', 'db.root'] }, names), ['42', 'r-one', 'relay-material', 'tok-42']);
  });

  it('masks a number under a secret-looking name in place without seeking it everywhere', () => {
    const args = { num_validator_keys: 6400, seeds: 1 };
    assert.deepEqual(collectSensitive(args, names), []);
    assert.deepEqual(
      mapSensitive(args, names, () => MASK),
      { num_validator_keys: MASK, seeds: 1 },
    );
  });

  it('records, for a plan, the values of its instructions, outputs and the state it is diffed against', () => {
    const state = { ...emptyState(), sensitiveValues: ['old-secret'] };
    const values = planSensitiveValues(
      {
        args: {},
        instructions: [{ args: { cmd: ['--privkey=p-1234'] }, description: 'x' } as never],
        outputs: { token: 'out-token' },
      },
      state,
    );
    assert.deepEqual(values, ['old-secret', 'out-token', 'p-1234']);
  });

  it('reads extra words and dropped defaults from STARFORM_SENSITIVE_NAMES, and refuses a bad one', () => {
    const custom = SensitiveNames.fromEnvironment({ STARFORM_SENSITIVE_NAMES: 'seed, -private' });
    assert.equal(custom.matches('WALLET_SEED'), true);
    assert.equal(custom.matches('private'), false);
    assert.equal(custom.matches('DB_PASSWORD'), true);
    assert.throws(
      () => SensitiveNames.fromEnvironment({ STARFORM_SENSITIVE_NAMES: 'pass_word' }),
      (e: unknown) => e instanceof UserError && /not a word/.test(e.message),
    );
  });
});
