// Engine resolution as the docker CLI does it (lib/docker/endpoint.ts), without an engine:
// DOCKER_HOST's schemes and TLS variables, contexts by DOCKER_CONTEXT and by config.json's
// currentContext, the "default" context, and where published ports are reached.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRuntimeError } from '../../lib/runtime/index.js';
import { resolveEngine, sshAuth } from '../../lib/docker/endpoint.js';

describe('docker: engine endpoint resolution', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'sf-endpoint-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  function context(config: string, name: string, host: string, withTls: boolean): void {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(config, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
    if (withTls) {
      mkdirSync(join(config, 'contexts', 'tls', id, 'docker'), { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(config, 'contexts', 'tls', id, 'docker', f), `${f} of ${name}`);
    }
  }

  it('takes DOCKER_HOST first: unix, tcp with and without TLS, ssh', () => {
    assert.equal(resolveEngine({ env: { DOCKER_HOST: 'unix:///run/x.sock' }, home }).socketPath, '/run/x.sock');
    const plain = resolveEngine({ env: { DOCKER_HOST: 'tcp://10.1.2.3' }, home });
    assert.deepEqual([plain.protocol, plain.host, plain.port, plain.publishedHost, plain.local], ['http', '10.1.2.3', 2375, '10.1.2.3', false]);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(home, f), f);
    const tls = resolveEngine({ env: { DOCKER_HOST: 'tcp://engine.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: home }, home });
    assert.deepEqual([tls.protocol, tls.port, tls.tls?.verify, tls.tls?.ca?.toString()], ['https', 2376, true, 'ca.pem']);
    assert.equal(tls.endpoint, 'tcp://engine.example:2376');
    const ssh = resolveEngine({ env: { DOCKER_HOST: 'ssh://ops@build.example:2222', DOCKER_CONTEXT: 'ignored' }, home });
    assert.deepEqual([ssh.protocol, ssh.username, ssh.host, ssh.port, ssh.publishedHost], ['ssh', 'ops', 'build.example', 2222, 'build.example']);
    const loop = resolveEngine({ env: { DOCKER_HOST: 'tcp://127.0.0.1:23760' }, home });
    assert.deepEqual([loop.publishedHost, loop.local], ['127.0.0.1', true]);
  });

  it('refuses DOCKER_TLS_VERIFY without a ca.pem, and an unknown scheme', () => {
    assert.throws(
      () => resolveEngine({ env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(home, 'none') }, home }),
      (e: unknown) => isRuntimeError(e, 'engine-unreachable') && /ca\.pem does not exist/.test(e.message),
    );
    assert.throws(() => resolveEngine({ env: { DOCKER_HOST: 'npipe:////./pipe/docker' }, home }), /unsupported scheme npipe:/);
  });

  it('reads a context named by DOCKER_CONTEXT or by config.json, with its TLS files; "default" is the local socket', () => {
    const config = join(home, '.docker');
    context(config, 'prod', 'tcp://prod.example:2376', true);
    context(config, 'lab', 'ssh://lab.example', false);
    const prod = resolveEngine({ env: { DOCKER_CONTEXT: 'prod' }, home });
    assert.deepEqual(
      [prod.protocol, prod.host, prod.tls?.cert?.toString(), prod.source],
      ['https', 'prod.example', 'cert.pem of prod', "Docker context 'prod'"],
    );
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'lab' }));
    assert.equal(resolveEngine({ env: {}, home }).protocol, 'ssh');
    assert.equal(resolveEngine({ env: { DOCKER_CONTEXT: 'default' }, home }).socketPath, '/var/run/docker.sock');
    const other = join(home, 'elsewhere');
    context(other, 'prod', 'tcp://other.example:2375', false);
    assert.equal(resolveEngine({ env: { DOCKER_CONFIG: other, DOCKER_CONTEXT: 'prod' }, home }).host, 'other.example');
    assert.throws(() => resolveEngine({ env: { DOCKER_CONTEXT: 'nowhere' }, home }), /there is no Docker context named 'nowhere'/);
  });

  it('authenticates ssh:// as ssh does: the agent first, else the first unencrypted default identity file', function () {
    this.timeout(30_000);
    assert.deepEqual(sshAuth({ SSH_AUTH_SOCK: '/run/agent.sock' }, home), { agent: '/run/agent.sock' });
    assert.deepEqual(sshAuth({}, home), {}, 'no agent, no key: nothing');
    if (spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error) this.skip();
    mkdirSync(join(home, '.ssh'));
    const key = (name: string, passphrase: string): void => {
      const made = spawnSync('ssh-keygen', ['-q', '-t', name.slice(3), '-N', passphrase, '-f', join(home, '.ssh', name)]);
      assert.equal(made.status, 0, String(made.stderr));
    };
    key('id_ed25519', 'a passphrase');
    key('id_ecdsa', '');
    assert.deepEqual(sshAuth({}, home), { privateKey: readFileSync(join(home, '.ssh', 'id_ecdsa')) }, 'the encrypted id_ed25519 is passed over');
    rmSync(join(home, '.ssh', 'id_ed25519'));
    rmSync(join(home, '.ssh', 'id_ed25519.pub'));
    key('id_ed25519', '');
    assert.deepEqual(sshAuth({}, home), { privateKey: readFileSync(join(home, '.ssh', 'id_ed25519')) }, 'id_ed25519 comes first');
  });
});
