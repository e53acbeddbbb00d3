// Tests of the `plan` object (lib/plan/plan-object.ts), the recorder (recorder.ts) and
// future references (references.ts): small packages run through the real interpreter
// with the Kurtosis types predeclared and the plan passed to run(); the recorded
// instructions (ids, canonical args, references, positions and stacks), the values the
// package gets back, and the errors it hits are checked.
import assert from 'node:assert/strict';
import { EvalError, Module, Thread, call, execFile, json, str, structBuiltin, toUnicode, type Value } from '../../lib/starlark/index.js';
import { UserError } from '../../lib/util/errors.js';
import { digestOf } from '../../lib/util/hash.js';
import type { JsonValue } from '../../lib/util/json.js';
import type { PackageFiles, PackageTree } from '../../lib/plan/host.js';
import {
  artifactsCreated,
  exactReference,
  findReferences,
  referencedSteps,
  strText,
  substituteDeep,
  substituteString,
  substituteTyped,
  UnresolvedReferenceError,
  type Instruction,
} from '../../lib/instructions/index.js';
import { createPlanObject, globalPrint } from '../../lib/plan/plan-object.js';
import { Recorder, problemFromEvalError } from '../../lib/plan/recorder.js';
import { isKurtosis, kurtosisTypes } from '../../lib/plan/types/index.js';

/** Package content: locator (without a leading "./") → file text, or a directory's files. */
type Tree = Record<string, string | Record<string, string>>;

interface Result {
  readonly recorder: Recorder;
  readonly value: Value;
  readonly instructions: readonly Instruction[];
  /** Every readTree call: [locator, fromModule]. */
  readonly reads: [string, string][];
}

function fakeFiles(tree: Tree, reads: [string, string][]): PackageFiles {
  const tr = (locator: string, fromModule: string): PackageTree => {
    reads.push([locator, fromModule]);
    const key = locator.replace(/^\.\//, '');
    const entry = tree[key];
    if (entry === undefined) throw new UserError(`cannot find '${locator}' in the package`);
    if (typeof entry === 'string') {
      return { display: key, isDirectory: false, files: [{ path: key.split('/').pop()!, content: Buffer.from(entry) }] };
    }
    const files = Object.keys(entry)
      .sort()
      .map((path) => ({ path, content: Buffer.from(entry[path]) }));
    return { display: key, isDirectory: true, files };
  };
  return {
    readFile: (locator, fromModule) => {
      const t = tr(locator, fromModule);
      return { display: t.display, content: t.files[0].content };
    },
    readTree: tr,
  };
}

/**
 * Runs `main` (a main.star defining run(plan)) with optional extra modules: each is
 * executed first as `<name>.star` under lib/ and predeclared in main as a module `name`.
 */
function interpret(main: string, options: { tree?: Tree; modules?: Record<string, string> } = {}): Result {
  const recorder = new Recorder();
  const reads: [string, string][] = [];
  const env = new Map(kurtosisTypes());
  env.set('struct', structBuiltin);
  env.set('json', json);
  env.set('print', globalPrint(recorder));
  const thread = new Thread();
  const mainEnv = new Map(env);
  for (const [name, src] of Object.entries(options.modules ?? {})) {
    const globals = execFile(thread, `lib/${name}.star`, src, { predeclared: env });
    mainEnv.set(name, new Module(name, globals));
  }
  const globals = execFile(thread, 'main.star', main, { predeclared: mainEnv });
  const plan = createPlanObject(recorder, fakeFiles(options.tree ?? {}, reads));
  const value = call(thread, globals.get('run')!, [plan]);
  return { recorder, value, instructions: recorder.instructions, reads };
}

/** Runs `main` with a plan object that allows privileged settings (`--privileged`); returns its instructions. */
function interpretWith(main: string, recorder: Recorder): readonly Instruction[] {
  const env = new Map(kurtosisTypes());
  const thread = new Thread();
  const globals = execFile(thread, 'main.star', main, { predeclared: env });
  call(thread, globals.get('run')!, [createPlanObject(recorder, fakeFiles({}, []), { allowPrivileged: true })]);
  return recorder.instructions;
}

/** run(plan) with `body` as its (indented) statements. */
function pkg(body: string): string {
  return `def run(plan):\n${body
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;
}

function errorOf(main: string, options?: Parameters<typeof interpret>[1]): EvalError {
  try {
    interpret(main, options);
  } catch (e) {
    if (e instanceof EvalError) return e;
    throw e;
  }
  assert.fail('expected an error');
}

function message(main: string, options?: Parameters<typeof interpret>[1]): string {
  return toUnicode(errorOf(main, options).msg);
}

const ids = (r: Result): string[] => r.instructions.map((i) => i.id);

describe('plan/plan-object', () => {
  describe('add_service', () => {
    it('records the canonical config and returns a Service', () => {
      const r = interpret(
        pkg(`
db = plan.add_service("db", ServiceConfig(image="postgres:16", ports={"pg": PortSpec(5432, application_protocol="postgresql")}))
return [db.name, db.hostname, db.ip_address, type(db), db.ports["pg"].number, db.ports["pg"].url, str(db.ports["pg"])]
`),
      );
      assert.equal(
        str(r.value),
        '["db", "{{starform:service.db.hostname}}", "{{starform:service.db.ip_address}}", "Service", 5432, "postgresql://db:5432", ' +
          '"PortSpec(number=5432, transport_protocol=\\"TCP\\", application_protocol=\\"postgresql\\", wait=\\"2m0s\\", url=\\"postgresql://db:5432\\")"]',
      );
      const [ins] = r.instructions;
      assert.equal(ins.id, 'service.db');
      assert.equal(ins.kind, 'add_service');
      assert.equal(ins.description, "Adding service with name 'db' and image 'postgres:16'");
      assert.deepEqual(ins.declares, { type: 'service', name: 'db' });
      assert.deepEqual(ins.produces, ['ip_address', 'hostname']);
      assert.deepEqual(ins.refs, []);
      assert.equal(ins.args.name, 'db');
      assert.deepEqual((ins.args.config as { ports: unknown }).ports, {
        pg: { number: 5432, transport_protocol: 'TCP', application_protocol: 'postgresql', wait: '2m0s', url: '' },
      });
      assert.equal(ins.forceUpdate, undefined);
    });

    it('gives equal canonical args for cosmetically different calls', () => {
      const a = interpret(pkg('plan.add_service("web", ServiceConfig(image="nginx", ports={"http": PortSpec(80)}, files={"/c": "cfg"}, cpu_allocation=100))'));
      const b = interpret(
        pkg(`
cfg = ServiceConfig("nginx", {"http": PortSpec(number=80, transport_protocol="TCP", wait="120000ms")}, files={"/c": Directory(artifact_names=["cfg"])}, max_cpu=100, tini_enabled=True)
plan.add_service(config=cfg, name="web", description="Adding service with name 'web' and image 'nginx'")
`),
      );
      assert.deepEqual(a.instructions[0], b.instructions[0] && { ...b.instructions[0], position: a.instructions[0].position, stack: a.instructions[0].stack });
      assert.deepEqual(a.instructions[0].artifacts, ['cfg']);
      assert.deepEqual(
        a.recorder.warnings.map((w) => w.message),
        ['"cpu_allocation" field for "ServiceConfig" is deprecated; use "max_cpu"'],
      );
    });

    it('takes force_update third and description last, by keyword or position (as Kurtosis declares them)', () => {
      const r = interpret(pkg('plan.add_service("a", ServiceConfig(image="x"), force_update=True)'));
      assert.equal(r.instructions[0].forceUpdate, true);
      const p = interpret(
        pkg('plan.add_service("a", ServiceConfig(image="x"), True, "label")\nplan.add_services({"b": ServiceConfig(image="x")}, True, "both")'),
      );
      assert.deepEqual(
        p.instructions.map((i) => [i.forceUpdate, i.description]),
        [
          [true, 'label'],
          [true, 'both'],
        ],
      );
      assert.match(
        message(pkg('plan.add_service("a", ServiceConfig(image="x"), "d", True)')),
        /add_service: for parameter force_update: got string, want bool/,
      );
      assert.match(message(pkg('plan.add_service("a", ServiceConfig(image="x"), False, "d", 1)')), /add_service: got 5 arguments, want at most 4/);
    });

    it('reports argument errors with the parameter', () => {
      assert.match(message(pkg('plan.add_service("a")')), /^add_service: missing argument for config$/);
      assert.match(message(pkg('plan.add_service("a", {"image": "x"})')), /add_service: for parameter config: got dict, want ServiceConfig/);
      assert.match(message(pkg('plan.add_service("", ServiceConfig(image="x"))')), /add_service: for parameter name: must be a non-empty string/);
      assert.match(message(pkg('plan.add_service("a", ServiceConfig(image="x"), description="")')), /for parameter "description": must be a non-empty string/);
      assert.match(message(pkg('plan.add_service(name="a", config=ServiceConfig(image="x"), descr="d")')), /unexpected keyword argument "descr"/);
      assert.match(
        message(pkg('plan.add_service("a", ServiceConfig(image="x", cmd=["ok", 1]))')),
        /^add_service: ServiceConfig: cmd: item number 1 in the list is int, want string$/,
      );
    });

    it('embeds an ImageBuildSpec context, read relative to the calling module', () => {
      const tree: Tree = { ctx: { Dockerfile: 'FROM scratch\n', 'app/main.sh': 'echo hi\n' } };
      const r = interpret(pkg('plan.add_service("b", ServiceConfig(image=ImageBuildSpec(image_name="local/b", build_context_dir="./ctx")))'), { tree });
      const image = (r.instructions[0].args.config as { image: Record<string, unknown> }).image;
      assert.deepEqual(image.context, {
        source: 'ctx',
        digest: (image.context as { digest: string }).digest,
        files: [
          { path: 'Dockerfile', digest: digestOf('FROM scratch\n') },
          { path: 'app/main.sh', digest: digestOf('echo hi\n') },
        ],
      });
      assert.deepEqual(r.reads, [['./ctx', 'main.star']]);
      assert.equal(r.recorder.files.get(digestOf('echo hi\n'))?.toString(), 'echo hi\n');
      assert.equal(r.instructions[0].description, "Adding service with name 'b' and image 'local/b'");
      assert.match(
        message(pkg('plan.add_service("b", ServiceConfig(image=ImageBuildSpec(image_name="i", build_context_dir="./ctx", build_file="Other")))'), { tree }),
        /the build file 'Other' does not exist in the build context 'ctx'/,
      );
      assert.match(
        message(pkg('plan.add_service("b", ServiceConfig(image=ImageBuildSpec(image_name="i", build_context_dir="./none")))')),
        /add_service: cannot find '.\/none'/,
      );
    });

    it('records a NixBuildSpec (validation refuses it)', () => {
      const r = interpret(pkg('plan.add_service("n", ServiceConfig(image=NixBuildSpec(flake_location_dir="f", build_context_dir="c", image_name="nixy")))'));
      assert.equal((r.instructions[0].args.config as { image: { type: string } }).image.type, 'nix');
    });
  });

  describe('step ids', () => {
    const base = `
db = plan.add_service("db", ServiceConfig(image="postgres"))
r = plan.exec("db", ExecRecipe(["psql", "-c", "select 1"]))
plan.verify(r["code"], "==", 0)
a = plan.upload_files("./static", name="static")
plan.print("done")
`;
    it('do not change when an unrelated instruction is inserted', () => {
      const tree: Tree = { static: { 'a.txt': 'a' } };
      const before = interpret(pkg(base), { tree });
      const inserted = interpret(
        pkg(base.replace('a = plan.upload_files', 'plan.add_service("cache", ServiceConfig(image="redis"))\nplan.print("hello")\na = plan.upload_files')),
        { tree },
      );
      const after = ids(inserted).filter((id) => id !== 'service.cache' && id !== inserted.instructions[4].id);
      assert.deepEqual(after, ids(before));
      assert.equal(ids(before)[0], 'service.db');
      assert.match(ids(before)[1], /^exec\.[0-9a-f]{12}$/);
      assert.match(ids(before)[2], /^verify\.[0-9a-f]{12}$/);
      assert.equal(ids(before)[3], 'artifact.static');
      assert.deepEqual(before.instructions[2].refs, [ids(before)[1]]);
    });

    it('number repeats #2, #3 and name the step a re-added service references', () => {
      const r = interpret(
        pkg(`
plan.print("x")
plan.print("x")
plan.print("x")
plan.add_service("db", ServiceConfig(image="a"))
plan.remove_service("db")
db = plan.add_service("db", ServiceConfig(image="b"))
plan.stop_service("db")
plan.start_service("db")
return db.ip_address
`),
      );
      const p = r.instructions[0].id;
      assert.deepEqual(ids(r), [p, `${p}#2`, `${p}#3`, 'service.db', 'remove_service.db', 'service.db#2', 'stop_service.db', 'start_service.db']);
      assert.equal(r.value, '{{starform:service.db#2.ip_address}}');
      assert.deepEqual(r.instructions[4].services, ['db']);
    });
  });

  describe('positions and stacks', () => {
    it('point at the plan.* call, with every frame outermost first', () => {
      const helpers = `
def add_db(plan, name):
    return plan.add_service(name, ServiceConfig(image="postgres"))

def upload(plan):
    return plan.upload_files("./conf")
`;
      const main = `def run(plan):
    helpers.add_db(plan, "db")
    helpers.upload(plan)
    plan.print("x")
`;
      const r = interpret(main, { modules: { helpers }, tree: { conf: 'k=v' } });
      const [add, upload, print] = r.instructions;
      assert.deepEqual(add.position, { file: 'lib/helpers.star', line: 3, col: 28 });
      assert.deepEqual(add.stack, [
        { function: 'run', file: 'main.star', line: 2, col: 19 },
        { function: 'add_db', file: 'lib/helpers.star', line: 3, col: 28 },
      ]);
      assert.deepEqual(upload.position, { file: 'lib/helpers.star', line: 6, col: 29 });
      assert.deepEqual(r.reads, [['./conf', 'lib/helpers.star']]);
      assert.deepEqual(print.stack, [{ function: 'run', file: 'main.star', line: 4, col: 15 }]);
    });

    it('turn an escaped error into a Problem at the package position', () => {
      const e = errorOf(pkg('plan.exec("db", ExecRecipe(["a"]), acceptable_codes="0")'));
      assert.deepEqual(problemFromEvalError(e), {
        message: 'exec: for parameter "acceptable_codes": got string, want list',
        position: { file: 'main.star', line: 2, col: 14 },
        stack: [{ function: 'run', file: 'main.star', line: 2, col: 14 }],
      });
    });
  });

  describe('services', () => {
    it('add_services records one add_service per service', () => {
      const r = interpret(
        pkg(`
svcs = plan.add_services({"a": ServiceConfig(image="x"), "b": ServiceConfig(image="y", ports={"p": PortSpec(1)})}, description="both")
return [type(svcs), sorted(svcs.keys()), svcs["b"].ports["p"].number, svcs["a"].ip_address]
`),
      );
      assert.deepEqual(ids(r), ['service.a', 'service.b']);
      assert.deepEqual(
        r.instructions.map((i) => i.description),
        ['both', 'both'],
      );
      assert.equal(str(r.value), '["dict", ["a", "b"], 1, "{{starform:service.a.ip_address}}"]');
      assert.match(message(pkg('plan.add_services({"a": 1})')), /add_services: configs: the value for "a" is int, want ServiceConfig/);
      assert.match(message(pkg('plan.add_services([ServiceConfig(image="x")])')), /add_services: for parameter configs: got list, want dict/);
    });

    it('get_service and get_services return what the store knows', () => {
      const r = interpret(
        pkg(`
plan.add_service("a", ServiceConfig(image="x", ports={"http": PortSpec(80)}))
plan.add_service("b", ServiceConfig(image="y"))
plan.remove_service("a")
plan.add_service("c", ServiceConfig(image="z"))
b = plan.get_service("b")
return [b.ip_address, [s.name for s in plan.get_services()]]
`),
      );
      assert.equal(str(r.value), '["{{starform:service.b.ip_address}}", ["b", "c"]]');
      const getServices = r.instructions[5];
      assert.equal(getServices.kind, 'get_services');
      assert.deepEqual(getServices.services, ['b', 'c']);
      assert.deepEqual(r.instructions[4].services, ['b']);
      assert.match(message(pkg('plan.get_service("nope")')), /get_service: An error occurred while fetching service 'nope' from the store/);
    });

    it('seeded services (earlier runs) are visible to get_service', () => {
      const recorder = new Recorder();
      const cfg = { ...(interpret(pkg('plan.add_service("s", ServiceConfig(image="x"))')).instructions[0].args.config as object) };
      recorder.seedService('old', cfg as never);
      assert.equal(
        str(recorder.serviceValue('old')!),
        'Service(name="old", hostname="{{starform:service.old.hostname}}", ip_address="{{starform:service.old.ip_address}}", ports={})',
      );
    });

    it('set_service merges into the recorded add_service', () => {
      const r = interpret(
        pkg(`
plan.add_service("web", ServiceConfig(image="nginx:1", cmd=["serve"], max_memory=64, labels={"tier": "web"}))
plan.set_service("web", ServiceConfig(image="nginx:2", max_cpu=250))
`),
      );
      const [add, set] = r.instructions;
      assert.equal(set.kind, 'set_service');
      assert.deepEqual(set.services, ['web']);
      const config = add.args.config as Record<string, unknown>;
      assert.deepEqual(config.image, { type: 'image', image: 'nginx:2' });
      assert.equal(config.max_cpu, 250);
      assert.equal(config.max_memory, 64);
      assert.deepEqual(config.cmd, ['serve']);
      assert.deepEqual(config.labels, { tier: 'web' });
      assert.equal(r.recorder.instruction('service.web'), add);
      assert.match(
        message(pkg('plan.add_service("w", ServiceConfig(image="a"))\nplan.set_service("w", ServiceConfig(image="a", cmd=["x"]))')),
        /^set_service: Overriding 'cmd' is currently not supported\.$/,
      );
      assert.match(message(pkg('plan.set_service("w", ServiceConfig(image="a"))')), /set_service: service 'w' does not exist/);
    });
  });

  describe('exec, request, wait, verify', () => {
    it('return frozen dicts of future references, including extract fields', () => {
      const r = interpret(
        pkg(`
plan.add_service("api", ServiceConfig(image="x", ports={"http": PortSpec(8080)}))
e = plan.exec("api", ExecRecipe(command=["cat", "/v"], extract={"version": "fromjson | .v"}))
q = plan.request(service_name="api", recipe=PostHttpRequestRecipe(port_id="http", endpoint="/q", body=e["output"]))
w = plan.wait("api", GetHttpRequestRecipe("http", "/health"), "code", "==", 200, timeout="1m")
return [e, q, w, e["output"].strip() + "!"]
`),
      );
      const [, exec, request, wait] = r.instructions;
      assert.deepEqual(exec.produces, ['code', 'output', 'extract.version']);
      assert.equal(
        str(r.value),
        `[{"code": "{{starform:${exec.id}.code}}", "output": "{{starform:${exec.id}.output}}", "extract.version": "{{starform:${exec.id}.extract.version}}"}, ` +
          `{"code": "{{starform:${request.id}.code}}", "body": "{{starform:${request.id}.body}}"}, ` +
          `{"code": "{{starform:${wait.id}.code}}", "body": "{{starform:${wait.id}.body}}"}, "{{starform:${exec.id}.output}}!"]`,
      );
      assert.deepEqual(exec.args, {
        service_name: 'api',
        recipe: { type: 'exec', command: ['cat', '/v'], extract: { version: 'fromjson | .v' } },
        acceptable_codes: [0],
        skip_code_check: false,
      });
      assert.deepEqual(request.refs, [exec.id]);
      assert.deepEqual(request.args.acceptable_codes, [200, 201, 202, 203, 204, 205, 206, 207, 208, 226]);
      assert.equal(request.description, "Running 'POST' request on service 'api'");
      assert.deepEqual(wait.args, {
        service_name: 'api',
        recipe: { type: 'http', method: 'GET', port_id: 'http', endpoint: '/health', extract: {}, headers: {} },
        field: 'code',
        assertion: '==',
        target_value: 200,
        target_type: 'int',
        interval: '1s',
        timeout: '1m0s',
      });
      assert.equal(wait.description, "Waiting for at most '1m' for service 'api' to reach a certain state");
      assert.match(message(pkg('r = plan.exec("api", ExecRecipe(["a"]))\nr["code"] = 1')), /cannot insert into frozen hash table/);
    });

    it('reject recipes of the wrong type and bad durations or assertions', () => {
      assert.match(
        message(pkg('plan.exec("a", GetHttpRequestRecipe(port_id="p", endpoint="/"))')),
        /exec: for parameter recipe: got GetHttpRequestRecipe, want ExecRecipe/,
      );
      assert.match(
        message(pkg('plan.request("a", ExecRecipe(["x"]))')),
        /request: for parameter recipe: got ExecRecipe, want GetHttpRequestRecipe or PostHttpRequestRecipe/,
      );
      assert.match(
        message(pkg('plan.wait("a", ExecRecipe(["x"]), "code", "==", 0, interval="often")')),
        /wait: An error occurred when parsing interval 'often': invalid duration "often"/,
      );
      assert.match(message(pkg('plan.wait("a", ExecRecipe(["x"]), "code", "IN", 0)')), /'IN' assertion requires an iterable for target values, got 'int'/);
      assert.match(message(pkg('plan.verify(5, "==", 5)')), /verify: for parameter value: got int, want string/);
      assert.match(message(pkg('plan.verify("a", "=", "a")')), /verify: assertion: 'assertion' argument is invalid/);
      assert.match(message(pkg('plan.exec("a", ExecRecipe(["x"]), [0, "1"])')), /exec: acceptable_codes: item number 1 in the list is string, want int/);
    });

    it('verify records typed targets', () => {
      const r = interpret(pkg('plan.verify("{{starform:exec.000000000000.code}}", "IN", (0, 1.5))'));
      assert.deepEqual(r.instructions[0].args, {
        value: '{{starform:exec.000000000000.code}}',
        assertion: 'IN',
        target_value: [0, 1.5],
        target_type: 'tuple',
      });
      assert.deepEqual(r.instructions[0].refs, ['exec.000000000000']);
    });
  });

  describe('files artifacts', () => {
    const tree: Tree = { static: { 'b.txt': 'B', 'a/c.txt': 'C' }, 'one.conf': 'x=1' };

    it('upload_files stores content and records a manifest of digests', () => {
      const r = interpret(pkg('return [plan.upload_files("./static"), plan.upload_files(src="./one.conf", name="one")]'), { tree });
      const [dir, file] = r.instructions;
      const manifest = [
        { path: 'a/c.txt', digest: digestOf('C') },
        { path: 'b.txt', digest: digestOf('B') },
      ];
      assert.deepEqual(dir.args.files, manifest);
      assert.match(String(dir.args.name), /^files-[0-9a-f]{12}$/);
      assert.equal(dir.id, `artifact.${String(dir.args.name)}`);
      assert.equal(String(dir.args.digest).slice(7, 19), String(dir.args.name).slice(6));
      assert.deepEqual(file.args, { name: 'one', src: './one.conf', digest: file.args.digest, files: [{ path: 'one.conf', digest: digestOf('x=1') }] });
      assert.equal(str(r.value), `["${String(dir.args.name)}", "one"]`);
      assert.equal(r.recorder.files.get(digestOf('C'))?.toString(), 'C');
      assert.deepEqual(dir.declares, { type: 'artifact', name: dir.args.name });
      assert.equal(file.description, "Uploading file './one.conf' to files artifact 'one'");
      assert.match(message(pkg('plan.upload_files("./missing")'), { tree }), /^upload_files: cannot find '.\/missing' in the package$/);
    });

    it('generated names are deterministic and unique within a run', () => {
      const body = 'return [plan.upload_files("./static"), plan.upload_files("./static")]';
      const a = interpret(pkg(body), { tree });
      const b = interpret(pkg(body), { tree });
      assert.deepEqual(str(a.value), str(b.value));
      const [n1, n2] = a.instructions.map((i) => String(i.args.name));
      assert.equal(n2, `${n1}-2`);
    });

    it('render_templates records template digests and JSON data with references kept', () => {
      const r = interpret(
        pkg(`
db = plan.add_service("db", ServiceConfig(image="x"))
return plan.render_templates(config={"conf/app.toml": struct(template="host={{.Host}} port={{.Port}}", data=struct(Host=db.ip_address, Port=5432, Peers=[1, 2]))}, name="app-config")
`),
      );
      const render = r.instructions[1];
      assert.equal(r.value, 'app-config');
      assert.equal(render.id, 'artifact.app-config');
      assert.deepEqual(render.args, {
        name: 'app-config',
        files: {
          'conf/app.toml': {
            template: digestOf('host={{.Host}} port={{.Port}}'),
            data: { Host: '{{starform:service.db.ip_address}}', Peers: [1, 2], Port: 5432 },
          },
        },
      });
      assert.deepEqual(render.refs, ['service.db']);
      assert.equal(r.recorder.files.get(digestOf('host={{.Host}} port={{.Port}}'))?.toString(), 'host={{.Host}} port={{.Port}}');
      assert.match(
        message(pkg('plan.render_templates({"a": {"template": "x", "data": {}}})')),
        /render_templates: config\["a"\] must be a struct\(template=..., data=...\), got dict/,
      );
      assert.match(message(pkg('plan.render_templates({"a": struct(template="x")})')), /config\["a"\] has no 'data' field/);
      assert.match(
        message(pkg('plan.render_templates({"a": struct(template="x", data={1: 2})})')),
        /render_templates: config\["a"\].data: dict has int key, want string/,
      );
    });

    it('store_service_files and get_files_artifact', () => {
      const r = interpret(
        pkg(`
plan.add_service("s", ServiceConfig(image="x"))
n = plan.store_service_files("s", "/data")
m = plan.store_service_files(service_name="s", src="/logs", name="logs")
return [n, m, plan.get_files_artifact("logs")]
`),
      );
      const [, store, named, get] = r.instructions;
      assert.deepEqual(store.services, ['s']);
      assert.match(String(store.args.name), /^files-[0-9a-f]{12}$/);
      assert.equal(named.id, 'artifact.logs');
      assert.equal(get.id, 'get_files_artifact.logs');
      assert.deepEqual(get.artifacts, ['logs']);
      assert.equal(get.declares, undefined);
      assert.equal(str(r.value), `["${String(store.args.name)}", "logs", "logs"]`);
    });
  });

  describe('tasks', () => {
    it('run_sh returns a struct and records stores with generated names', () => {
      const r = interpret(
        pkg(`
res = plan.run_sh(run="echo hi > /out/x", files={"/in": "cfg"}, store=["/out", StoreSpec(src="/tmp/y", name="y")], env_vars={"A": "1"}, wait=None)
return [type(res), res.code, res.output, res.files_artifacts]
`),
      );
      const [task] = r.instructions;
      assert.match(task.id, /^run_sh\.[0-9a-f]{12}$/);
      const store = task.args.store as { src: string; name: string }[];
      assert.equal(store[1].name, 'y');
      assert.match(store[0].name, /^files-[0-9a-f]{12}$/);
      assert.deepEqual(artifactsCreated(task), [store[0].name, 'y']);
      assert.match(String(task.args.name), /^task-[0-9a-f]{12}$/);
      assert.deepEqual(task.args.image, { type: 'image', image: 'badouralix/curl-jq' });
      assert.equal(task.args.wait, null);
      assert.deepEqual(task.artifacts, ['cfg']);
      assert.deepEqual(task.args.env_vars, { A: '1' });
      assert.equal(task.description, 'Running sh script: `echo hi > /out/x`');
      assert.equal(str(r.value), `["struct", "{{starform:${task.id}.code}}", "{{starform:${task.id}.output}}", ["${store[0].name}", "y"]]`);
    });

    it('run_sh binds its first positional to name, as Kurtosis does', () => {
      assert.match(message(pkg('plan.run_sh("echo hi")')), /^run_sh: missing argument for run$/);
      assert.match(
        message(pkg('plan.run_sh(run="x", files={"/a": Directory(artifact_names=["a"])})')),
        /run_sh: files: the value for "\/a" must be a files artifact name \(string\), got Directory/,
      );
    });

    it('run_python records args, packages and its default image', () => {
      const r = interpret(pkg('plan.run_python(run="print(1)", args=["a"], packages=["requests"], wait="90s")'));
      const [task] = r.instructions;
      assert.deepEqual(task.args.args, ['a']);
      assert.deepEqual(task.args.packages, ['requests']);
      assert.deepEqual(task.args.image, { type: 'image', image: 'python:3.11-alpine' });
      assert.equal(task.args.wait, '1m30s');
      assert.equal(task.args.env_vars, undefined);
      assert.equal(task.description, 'Running Python script');
      assert.match(message(pkg('plan.run_python(run="x", env_vars={})')), /run_python: unexpected keyword argument "env_vars"/);
    });

    it('keeps Kurtosis positional order: host access last on run_sh, keyword-only on run_python', () => {
      const sh = 'plan.run_sh("t", "echo", "img", {}, [], {}, "10s", [0], False, {}, [], False, True, {"/var/run/docker.sock": "/s"}, "label")';
      const py = 'plan.run_python("p", "print(1)", [], [], "img", {}, [], "10s", [0], False, {}, [], "label", bind_mounts={"/var/run/docker.sock": "/s"})';
      const r = interpretWith(pkg(`${sh}\n${py}`), new Recorder());
      assert.deepEqual(
        r.map((i) => [i.kind, i.description, i.privileged, i.args.host_pid_namespace, i.args.bind_mounts]),
        [
          ['run_sh', 'label', true, true, { '/var/run/docker.sock': '/s' }],
          ['run_python', 'label', true, false, { '/var/run/docker.sock': '/s' }],
        ],
      );
      assert.match(message(pkg(sh)), /run_sh: the configuration asks for host_pid_namespace=True, bind_mounts, .* pass --privileged/);
    });
  });

  describe('print and the rest', () => {
    it('plan.print and the global print record print steps', () => {
      const r = interpret(
        pkg(`
db = plan.add_service("db", ServiceConfig(image="x"))
plan.print("ip: " + db.ip_address)
print("a", 1, db.name, sep="-")
plan.print({"k": [1, "v"]}, description="dump")
`),
      );
      const prints = r.instructions.filter((i) => i.kind === 'print');
      assert.deepEqual(
        prints.map((p) => p.args.msg),
        ['ip: {{starform:service.db.ip_address}}', 'a-1-db', '{"k": [1, "v"]}'],
      );
      assert.deepEqual(
        prints.map((p) => p.description),
        ['Printing a message', 'Printing a message', 'dump'],
      );
      assert.deepEqual(prints[0].refs, ['service.db']);
    });

    it('get_cluster_type returns "docker"', () => {
      const r = interpret(pkg('return plan.get_cluster_type()'));
      assert.equal(r.value, 'docker');
      assert.equal(r.instructions[0].kind, 'get_cluster_type');
    });

    it('the plan is a module named plan with every Kurtosis instruction', () => {
      const r = interpret(pkg('return [str(plan), type(plan), dir(plan)]'));
      assert.equal(
        str(r.value),
        '["<module \\"plan\\">", "module", ["add_service", "add_services", "exec", "get_cluster_type", "get_files_artifact", "get_service", ' +
          '"get_services", "print", "remove_service", "render_templates", "request", "run_python", "run_sh", "set_service", "start_service", ' +
          '"stop_service", "store_service_files", "upload_files", "verify", "wait"]]',
      );
    });

    it('interprets 1,000 services into 1,000 distinct steps (speed is measured in bench/, not here)', () => {
      const body =
        'for i in range(1000):\n    plan.add_service("svc-%d" % i, ServiceConfig(image="busybox", ports={"http": PortSpec(8000 + i)}, env_vars={"N": str(i)}))';
      const r = interpret(pkg(body));
      assert.equal(r.instructions.length, 1000);
      assert.equal(new Set(r.instructions.map((i) => i.id)).size, 1000);
    });
  });

  describe('references', () => {
    const values: Record<string, JsonValue> = {
      'service.db.ip_address': '10.0.0.2',
      'exec.abcdef012345.code': 0,
      'exec.abcdef012345.extract.list': [1, 'a', true, null, 2.5],
    };
    const resolve = (stepId: string, field: string): JsonValue | undefined => values[`${stepId}.${field}`];

    it('finds references in strings and keys', () => {
      const v = {
        a: ['x {{starform:service.db.ip_address}}:{{starform:exec.abcdef012345.code}}', '{{starform:service.db.ip_address}}'],
        '{{starform:service.db#2.hostname}}': 1,
      };
      assert.deepEqual(findReferences(v), [
        { text: '{{starform:service.db.ip_address}}', stepId: 'service.db', field: 'ip_address' },
        { text: '{{starform:exec.abcdef012345.code}}', stepId: 'exec.abcdef012345', field: 'code' },
        { text: '{{starform:service.db#2.hostname}}', stepId: 'service.db#2', field: 'hostname' },
      ]);
      assert.deepEqual(referencedSteps(v), ['service.db', 'exec.abcdef012345', 'service.db#2']);
      assert.deepEqual(referencedSteps({ x: '{{starform:exec.abcdef012345.extract.my-key.sub}}' }), ['exec.abcdef012345']);
      assert.equal(exactReference('{{starform:exec.abcdef012345.extract.a}}')?.field, 'extract.a');
      assert.equal(exactReference(' {{starform:exec.abcdef012345.code}}'), undefined);
    });

    it('substitutes textually, or typed when a string is exactly one reference', () => {
      assert.equal(substituteString('http://{{starform:service.db.ip_address}}:80', resolve), 'http://10.0.0.2:80');
      assert.equal(substituteString('code={{starform:exec.abcdef012345.code}}', resolve), 'code=0');
      assert.equal(substituteString('{{starform:exec.abcdef012345.extract.list}}', resolve), '[1, "a", True, None, 2.5]');
      assert.equal(substituteTyped('{{starform:exec.abcdef012345.code}}', resolve), 0);
      assert.equal(substituteTyped(' {{starform:exec.abcdef012345.code}}', resolve), ' 0');
      assert.equal(substituteTyped(5, resolve), 5);
      assert.deepEqual(substituteDeep({ cmd: ['ping', '{{starform:service.db.ip_address}}'], n: 1 }, resolve), { cmd: ['ping', '10.0.0.2'], n: 1 });
      assert.throws(() => substituteString('{{starform:service.web.ip_address}}', resolve), UnresolvedReferenceError);
      assert.equal(strText({ a: 1.0, b: 'x' }), '{"a": 1, "b": "x"}');
    });
  });

  it('artifactsCreated covers declared artifacts', () => {
    const r = interpret(pkg('plan.upload_files("./f", name="n")'), { tree: { f: 'x' } });
    assert.deepEqual(artifactsCreated(r.instructions[0]), ['n']);
    assert.ok(isKurtosis(r.recorder.serviceValue('x') ?? null) === false);
  });
});
