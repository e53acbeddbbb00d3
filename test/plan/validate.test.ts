// Validation of instruction records: each kind of problem the validation phase finds,
// that all of them are reported together, and that each carries its instruction's
// position. Records are built directly (validation is a function of records alone);
// test/cli/plan.test.ts runs the same checks on a real package.
import assert from 'node:assert/strict';
import { validate, type Instruction } from '../../lib/plan/index.js';
import type { JsonObject } from '../../lib/util/json.js';

let line = 0;
function ins(kind: Instruction['kind'], id: string, args: JsonObject, extra: Partial<Instruction> = {}): Instruction {
  line++;
  return {
    id,
    kind,
    args,
    description: kind,
    position: { file: 'main.star', line, col: 5 },
    stack: [{ file: 'main.star', line, col: 5, function: 'run' }],
    services: [],
    artifacts: [],
    refs: [],
    produces: [],
    ...extra,
  };
}

const port = (number: number): JsonObject => ({ number, transport_protocol: 'TCP', application_protocol: '', wait: '15s', url: '' });

function config(over: JsonObject = {}): JsonObject {
  return {
    image: { type: 'image', image: 'busybox' },
    ports: {},
    public_ports: {},
    files: {},
    entrypoint: [],
    cmd: [],
    env_vars: {},
    max_cpu: 0,
    max_memory: 0,
    ready_conditions: null,
    ...over,
  };
}

function service(name: string, over: JsonObject = {}): Instruction {
  return ins(
    'add_service',
    `service.${name}`,
    { name, config: config(over) },
    { declares: { type: 'service', name }, services: [name], produces: ['ip_address', 'hostname'] },
  );
}

const execRecipe: JsonObject = { type: 'exec', command: ['true'], extract: {} };
const httpRecipe = (port_id: string): JsonObject => ({ type: 'http', method: 'GET', port_id, endpoint: '/', extract: {}, headers: {} });

function messages(list: Instruction[]): string[] {
  return validate(list).map((p) => p.message);
}

describe('plan: validation', () => {
  beforeEach(() => {
    line = 0;
  });

  it('accepts a consistent plan', () => {
    const list = [
      ins(
        'upload_files',
        'artifact.conf',
        { name: 'conf', src: './conf', digest: `sha256:${'a'.repeat(64)}`, files: [] },
        { declares: { type: 'artifact', name: 'conf' } },
      ),
      service('db', { ports: { sql: port(5432) }, files: { '/etc/db': { artifact_names: ['conf'], persistent_key: null, size: null } } }),
      ins(
        'exec',
        'exec.aaaaaaaaaaaa',
        { service_name: 'db', recipe: execRecipe, acceptable_codes: [0], skip_code_check: false },
        { services: ['db'], produces: ['code', 'output'] },
      ),
      ins(
        'request',
        'request.bbbbbbbbbbbb',
        { service_name: 'db', recipe: httpRecipe('sql'), acceptable_codes: [200], skip_code_check: false },
        { services: ['db'] },
      ),
      ins('print', 'print.cccccccccccc', { msg: 'out: {{starform:exec.aaaaaaaaaaaa.output}} at {{starform:service.db.ip_address}}' }),
    ];
    assert.deepEqual(messages(list), []);
  });

  it('checks service names (RFC 1035), duplicates and port ids (RFC 6335)', () => {
    const m = messages([service('Bad_Name'), service('ok', { ports: { HTTP_Port: port(80) } }), service('ok')]);
    assert.equal(m.length, 3);
    assert.match(m[0], /service name 'Bad_Name' is invalid: .*RFC 1035/);
    assert.match(m[1], /port id 'HTTP_Port' is invalid: .*RFC 6335/);
    assert.match(m[2], /service 'ok' is added twice/);
  });

  it('reports services, ports and artifacts used before they exist, all together, each at its position', () => {
    const problems = validate([
      ins('exec', 'exec.aaaaaaaaaaaa', { service_name: 'db', recipe: execRecipe, acceptable_codes: [0], skip_code_check: false }),
      service('db', { ports: { sql: port(5432) }, files: { '/data': { artifact_names: ['seed'], persistent_key: null, size: null } } }),
      ins('wait', 'wait.bbbbbbbbbbbb', {
        service_name: 'db',
        recipe: httpRecipe('http'),
        field: 'code',
        assertion: '==',
        target_value: 200,
        target_type: 'int',
        interval: '1s',
        timeout: '10s',
      }),
      ins('get_files_artifact', 'artifact.missing', { name: 'missing' }),
      ins('stop_service', 'stop_service.cache', { name: 'cache' }),
    ]);
    assert.deepEqual(
      problems.map((p) => [p.position.line, p.message.replace(/ \(.*\)$/, '')]),
      [
        [1, "exec: service 'db' does not exist at this point of the plan"],
        [2, "add_service: files artifact 'seed' does not exist at this point of the plan"],
        [3, "wait: service 'db' has no port 'http'"],
        [4, "get_files_artifact: files artifact 'missing' does not exist at this point of the plan"],
        [5, "stop_service: service 'cache' does not exist at this point of the plan"],
      ],
    );
    assert.deepEqual(problems[0].stack, [{ file: 'main.star', line: 1, col: 5, function: 'run' }]);
  });

  it('frees a removed service name and refuses what uses it afterwards', () => {
    const m = messages([
      service('tmp'),
      ins('remove_service', 'remove_service.tmp', { name: 'tmp' }),
      ins('exec', 'exec.aaaaaaaaaaaa', { service_name: 'tmp', recipe: execRecipe, acceptable_codes: [0], skip_code_check: false }),
      service('tmp'),
    ]);
    assert.equal(m.length, 1);
    assert.match(m[0], /exec: service 'tmp' does not exist/);
  });

  it('refuses future references used before their producer, or naming a field it does not produce', () => {
    const m = messages([
      ins('print', 'print.aaaaaaaaaaaa', { msg: '{{starform:service.db.ip_address}}' }),
      service('db'),
      ins('print', 'print.bbbbbbbbbbbb', { msg: '{{starform:service.db.port}}' }),
    ]);
    assert.equal(m.length, 2);
    assert.match(m[0], /before the step that produces it \(service\.db\)/);
    assert.match(m[1], /step service\.db produces no 'port' \(it has: hostname, ip_address\)/);
  });

  it('refuses duplicate artifacts, bad assertions, relative mounts, bad persistent keys and NixBuildSpec', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const m = messages([
      ins('upload_files', 'artifact.a', { name: 'a', src: './a', digest, files: [] }),
      ins('upload_files', 'artifact.a#2', { name: 'a', src: './b', digest, files: [] }),
      ins('verify', 'verify.aaaaaaaaaaaa', { value: 1, assertion: '=~', target_value: 1, target_type: 'int' }),
      service('web', { files: { data: { artifact_names: [], persistent_key: 'Bad_Key', size: 1 } } }),
      service('nix', { image: { type: 'nix', flake_location_dir: '.', build_context_dir: '.', image_name: 'x', flake_output: '' } }),
    ]);
    assert.equal(m.length, 5, m.join('\n'));
    assert.match(m[0], /files artifact 'a' is created twice/);
    assert.match(m[1], /assertion '=~' is not one of/);
    assert.match(m[2], /persistent_key 'Bad_Key'.*RFC 1035/);
    assert.match(m[3], /mount path 'data' must be absolute/);
    assert.match(m[4], /NixBuildSpec is not supported/);
  });

  it("checks devices in Docker's form and refuses files_to_be_moved, on add_service and set_service", () => {
    const ok = messages([service('gpu', { devices: ['/dev/fuse', '/dev/sda:/dev/xvda:rwm', '/dev/zero:/dev/z:r', '/dev/kvm:rw'] })]);
    assert.deepEqual(
      ok.filter((x) => !/invalid arguments/.test(x)),
      [],
    );
    const m = messages([
      service('a', { devices: ['dev/fuse', '/dev/a:b', '/dev/a:/dev/b:rr', '/dev/a:/dev/b:x'] }),
      service('b', { files_to_be_moved: { '/from': '/to' } }),
      ins('set_service', 'set_service.aaaaaaaaaaaa', { name: 'b', config: config({ devices: ['nope'] }) }),
    ]).filter((x) => !/invalid arguments/.test(x));
    assert.equal(m.length, 6, m.join('\n'));
    for (const [i, d] of ['dev/fuse', '/dev/a:b', '/dev/a:/dev/b:rr', '/dev/a:/dev/b:x'].entries()) {
      assert.match(m[i], new RegExp(`service 'a': device '${d}' is not in the form /host/path\\[:/container/path\\]\\[:permissions\\]`));
    }
    assert.match(m[4], /service 'b': files_to_be_moved is not supported by starform/);
    assert.match(m[5], /service 'b': device 'nope'/);
  });

  it('checks each instruction against the argument schema', () => {
    const m = messages([
      ins('exec', 'exec.aaaaaaaaaaaa', { service_name: 'db', recipe: execRecipe, acceptable_codes: ['zero'], skip_code_check: false, extra: 1 }),
    ]);
    assert.ok(
      m.some((x) => /exec: invalid arguments: .*acceptable_codes\[0\]: must be integer/.test(x)),
      m.join('\n'),
    );
    assert.ok(
      m.some((x) => /exec: invalid arguments: .*unknown property "extra"/.test(x)),
      m.join('\n'),
    );
  });

  it('checks the port of a ready condition against the service itself', () => {
    const m = messages([
      service('api', {
        ports: { http: port(80) },
        ready_conditions: {
          recipe: httpRecipe('health'),
          field: 'code',
          assertion: '==',
          target_value: 200,
          target_type: 'int',
          interval: '1s',
          timeout: '1m',
        },
      }),
    ]);
    assert.equal(m.length, 1);
    assert.match(m[0], /ready condition uses port 'health', which the service does not declare/);
  });
});
