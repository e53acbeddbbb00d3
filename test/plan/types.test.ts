// Tests of the Kurtosis types (lib/plan/types.ts) and their canonical form, plus the Go
// duration helpers they rely on (lib/plan/canonical.ts): constructors unpack in the
// documented positional order, values expose exactly the supplied arguments, print and
// type() as Kurtosis's do, reject bad input at construction or at use with clear messages,
// and cosmetically different spellings of one configuration have one canonical form.
import assert from 'node:assert/strict';
import { EvalError, Thread, execFile, json, str, structBuiltin, toUnicode, type Value } from '../../lib/starlark/index.js';
import { formatGoDuration, isGoDuration, normalizeDuration, parseGoDuration, toJsonData } from '../../lib/plan/canonical.js';
import { KurtosisValue, isKurtosis, kurtosisTypes, makeService, mergeServiceConfig } from '../../lib/plan/types/index.js';
import type { ServiceConfigJson } from '../../lib/instructions/index.js';
import { canonicalJson, canonicalRecord } from '../../lib/util/json.js';

function predeclared(): Map<string, Value> {
  const env = new Map(kurtosisTypes());
  env.set('json', json);
  env.set('struct', structBuiltin);
  return env;
}

/** Evaluates `expr` (after optional statements `pre`) in a module with the Kurtosis types. */
function evalStar(expr: string, pre = ''): Value {
  const globals = execFile(new Thread(), 'types.star', `${pre}\nresult = ${expr}\n`, { predeclared: predeclared() });
  return globals.get('result')!;
}

function value(expr: string, pre = ''): KurtosisValue {
  const v = evalStar(expr, pre);
  assert.ok(v instanceof KurtosisValue, `expected a Kurtosis value, got ${str(v)}`);
  return v;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EvalError) return toUnicode(e.msg);
    throw e;
  }
  assert.fail('expected an error');
}

function evalError(expr: string, pre = ''): string {
  return errorOf(() => evalStar(expr, pre));
}

function canonicalError(expr: string, pre = ''): string {
  const v = value(expr, pre);
  return errorOf(() => v.canonical());
}

describe('plan/types', () => {
  describe('constructors', () => {
    it('predeclares every Kurtosis type', () => {
      assert.deepEqual([...kurtosisTypes().keys()].sort(), [
        'Directory',
        'ExecRecipe',
        'GetHttpRequestRecipe',
        'GpuConfig',
        'ImageBuildSpec',
        'ImageSpec',
        'NixBuildSpec',
        'PortSpec',
        'PostHttpRequestRecipe',
        'ReadyCondition',
        'Service',
        'ServiceConfig',
        'StoreSpec',
        'Toleration',
        'User',
      ]);
    });

    it('binds positional arguments in the documented order', () => {
      const p = value('PortSpec(80, "UDP", "http", "5s", "http://x:80")');
      assert.equal(p.get('number'), 80);
      assert.equal(p.get('transport_protocol'), 'UDP');
      assert.equal(p.get('application_protocol'), 'http');
      assert.equal(p.get('wait'), '5s');
      assert.equal(p.get('url'), 'http://x:80');

      const c = value('ServiceConfig("img", {}, {}, {}, ["/bin/sh"], ["-c", "x"], {"A": "1"}, "IP", 1, 7, 2, 3, 8, 9)');
      assert.deepEqual(c.suppliedNames(), [
        'image',
        'ports',
        'public_ports',
        'files',
        'entrypoint',
        'cmd',
        'env_vars',
        'private_ip_address_placeholder',
        'cpu_allocation',
        'memory_allocation',
        'max_cpu',
        'min_cpu',
        'max_memory',
        'min_memory',
      ]);
      assert.equal(c.get('min_memory'), 9);

      const r = value('PostHttpRequestRecipe("http", "/x", "{}", "text/plain", {"a": ".a"}, {"H": "v"})');
      assert.equal(r.get('content_type'), 'text/plain');
      assert.equal(value('ReadyCondition(ExecRecipe(["true"]), "code", "==", 0, "2s", "1m")').get('timeout'), '1m');
      assert.equal(value('NixBuildSpec("flake", "ctx", "img", "out")').get('flake_output'), 'out');
      assert.equal(value('ImageBuildSpec("img", "./ctx", "Containerfile", "prod", {"V": "1"})').get('target_stage'), 'prod');
      assert.equal(value('Toleration("k", "Equal", "v", "NoSchedule", 30)').get('toleration_seconds'), 30);
      assert.equal(value('GpuConfig(2, None if False else [], 64)').get('shm_size'), 64);
      assert.equal(value('User(1000, 100)').get('gid'), 100);
      assert.equal(value('StoreSpec("/src", "out")').get('name'), 'out');
    });

    it('exposes supplied arguments as attributes and nothing else', () => {
      assert.equal(evalStar('PortSpec(number=80).number'), 80);
      assert.match(evalError('PortSpec(number=80).wait'), /PortSpec has no \.wait attribute \(the argument was not given\)/);
      assert.match(evalError('PortSpec(number=80).nope'), /PortSpec has no \.nope attribute$/);
      assert.equal(evalStar('hasattr(ServiceConfig(image="x"), "cmd")'), false);
      assert.equal(evalStar('hasattr(ServiceConfig(image="x", cmd=[]), "cmd")'), true);
      assert.equal(str(evalStar('dir(PortSpec(80, wait=None))')), '["number", "wait"]');
      assert.equal(evalStar('PortSpec(80, wait=None).wait'), null);
    });

    it('prints as TypeName(arg=value, ...) in parameter order, and type() is the Kurtosis name', () => {
      assert.equal(str(evalStar('str(PortSpec(wait="5s", number=80))')), 'PortSpec(number=80, wait="5s")');
      assert.equal(
        str(evalStar('str(ServiceConfig(ports={"http": PortSpec(80)}, image="nginx"))')),
        'ServiceConfig(image="nginx", ports={"http": PortSpec(number=80)})',
      );
      assert.equal(evalStar('type(ServiceConfig(image="x"))'), 'ServiceConfig');
      assert.equal(evalStar('type(GetHttpRequestRecipe(port_id="http", endpoint="/"))'), 'GetHttpRequestRecipe');
      assert.equal(str(evalStar('repr(Directory(artifact_name="a"))')), 'Directory(artifact_name="a")');
    });

    it('compares by supplied arguments and hashes when they are hashable', () => {
      assert.equal(evalStar('PortSpec(80) == PortSpec(number=80)'), true);
      assert.equal(evalStar('PortSpec(80) == PortSpec(80, wait="15s")'), false);
      assert.equal(evalStar('PortSpec(80) != User(80)'), true);
      assert.equal(evalStar('{PortSpec(80): 1}[PortSpec(number=80)]'), 1);
      assert.match(evalError('{ExecRecipe(command=["a"]): 1}'), /unhashable/);
    });

    it('encodes to JSON like a struct', () => {
      assert.equal(evalStar('json.encode(PortSpec(80, application_protocol="http"))'), '{"application_protocol":"http","number":80}');
    });

    it('copies and freezes supplied lists and dicts', () => {
      const pre = 'l = ["a"]\nc = ServiceConfig(image="x", cmd=l)\nl.append("b")';
      assert.equal(str(evalStar('c.cmd', pre)), '["a"]');
      assert.deepEqual((value('c', pre).canonical() as ServiceConfigJson).cmd, ['a']);
      assert.match(evalError('c.cmd.append("z")', pre), /frozen list/);
    });

    it('accepts both spellings the docs and the code disagree on', () => {
      assert.deepEqual(value('ImageSpec(name="reg/img", registry="https://r")').canonical(), value('ImageSpec("reg/img", "https://r")').canonical());
      assert.deepEqual(value('Directory(artifact_name="a")').canonical(), value('Directory(artifact_names=["a"])').canonical());
      assert.match(evalError('ImageSpec(image="a", name="b")'), /ImageSpec: got both 'image' and its alias 'name'/);
      assert.match(evalError('ImageSpec()'), /ImageSpec: missing argument for image/);
      // The fifth positional is the description every Kurtosis builtin takes last.
      assert.equal(evalStar('ImageSpec("a", "r", "u", "p", "label").description'), 'label');
      assert.match(evalError('ImageSpec("a", "r", "u", "p", "n", "x")'), /ImageSpec: got 6 arguments, want at most 5/);
      assert.match(evalError('Directory(artifact_names=["a"], artifact_name="b")'), /Directory: got both/);
    });
  });

  describe('construction errors', () => {
    const cases: [string, RegExp][] = [
      ['ServiceConfig()', /^ServiceConfig: missing argument for image$/],
      ['ServiceConfig(image=1)', /ServiceConfig: for parameter "image": got int, want string or ImageSpec or ImageBuildSpec or NixBuildSpec/],
      ['ServiceConfig(image="x", cmd=("a",))', /ServiceConfig: for parameter "cmd": got tuple, want list/],
      ['ServiceConfig(image="x", ports=None)', /ServiceConfig: for parameter "ports": got NoneType, want dict/],
      ['ServiceConfig(image="x", imag="y")', /ServiceConfig: unexpected keyword argument "imag"/],
      ['ServiceConfig(image="x", max_memory=4)', /ServiceConfig: for parameter "max_memory": must be at least 6 megabytes, got 4/],
      ['ServiceConfig(image="x", cpu_allocation=-1)', /for parameter "cpu_allocation": must be at least 0/],
      ['ServiceConfig(image="x", private_ip_address_placeholder="")', /private_ip_address_placeholder": must be a non-empty string/],
      ['ServiceConfig(image="x", labels={"Bad Key": "v"})', /invalid label key "Bad Key"/],
      ['ServiceConfig(image="x", labels={"ok": "no spaces"})', /invalid label value "no spaces" for key "ok"/],
      ['ServiceConfig(image="x", node_selectors={"a": 1})', /node_selectors": value for key "a" is int, want string/],
      ['ServiceConfig(image="x", user=1)', /for parameter "user": got int, want User/],
      ['PortSpec("80")', /PortSpec: for parameter number: got string, want int/],
      ['PortSpec(0)', /PortSpec: for parameter number: port number must be between 1 and 65535, got 0/],
      ['PortSpec(80, "HTTP")', /for parameter transport_protocol: got "HTTP", want one of "TCP", "SCTP", "UDP"/],
      ['PortSpec(80, wait="")', /for parameter "wait": must be a duration or None/],
      ['PortSpec(80, wait="5 seconds")', /"5 seconds" is not a valid duration/],
      ['PortSpec(80, application_protocol="h t")', /not a valid application protocol/],
      ['PortSpec(80, url="a=1;b=2")', /isn't a valid URI: invalid semicolon separator in query/],
      ['PortSpec(80, url="http://x/%zz")', /isn't a valid URI: invalid URL escape "%zz"/],
      ['PortSpec(80, url="")', /must be a non-empty string/],
      ['ExecRecipe()', /ExecRecipe: missing argument for command/],
      ['GetHttpRequestRecipe(port_id="", endpoint="/")', /port_id": must be a non-empty string/],
      ['ReadyCondition(recipe="x", field="code", assertion="==", target_value=1)', /the 'recipe' attribute is not a Recipe/],
      ['ReadyCondition(ExecRecipe(["a"]), "code", "~=", 1)', /'assertion' argument is invalid, valid values are: '==', '!='/],
      ['ReadyCondition(ExecRecipe(["a"]), "code", "IN", 1)', /'IN' assertion requires an iterable for target values, got 'int'/],
      ['ReadyCondition(ExecRecipe(["a"]), "code", "==", 1, interval="soon")', /not a valid duration/],
      ['User(-1)', /User: for parameter uid: must be at least 0, got -1/],
      ['Toleration(operator="Maybe")', /want one of "Exists", "Equal"/],
      ['Directory(size=0)', /Directory: for parameter "size": must be at least 1/],
      ['StoreSpec(src="")', /StoreSpec: for parameter "src": must be a non-empty string/],
      ['Service(name="x")', /Service: missing argument for hostname/],
      ['Service(name="x", hostname="", ip_address="1.2.3.4", ports={})', /Service: for parameter "hostname": must be a non-empty string/],
    ];
    for (const [expr, re] of cases) {
      it(expr, () => assert.match(evalError(expr), re));
    }
  });

  describe('use-time (conversion) errors', () => {
    const cases: [string, RegExp][] = [
      ['PortSpec(wait="1s")', /'number' argument on 'PortSpec' is mandatory but was unset/],
      ['Directory()', /either 'artifact_names' or 'persistent_key' must be set/],
      ['Directory(artifact_names=["a"], persistent_key="k")', /'artifact_names' and 'persistent_key' cannot be set on the same 'Directory' object/],
      ['Directory(artifact_names=[1])', /Directory: artifact_names: item number 0 in the list is int, want string/],
      ['ServiceConfig(image="x", cmd=["a", 2])', /ServiceConfig: cmd: item number 1 in the list is int, want string/],
      ['ServiceConfig(image="x", env_vars={"A": 1})', /ServiceConfig: env_vars: value for key "A" is int, want string/],
      [
        'ServiceConfig(image="x", ports={"http": 80})',
        /unable to convert value of 'ports' dictionary with key "http" to a port object: got int, want PortSpec/,
      ],
      ['ServiceConfig(image="x", files={"/d": 1})', /ServiceConfig: files\["\/d"\]: got int, want Directory/],
      ['ServiceConfig(image="x", files={"/d": Directory()})', /either 'artifact_names' or 'persistent_key'/],
      ['ServiceConfig(image="x", tolerations=[1])', /tolerations: item number 0: got int, want Toleration/],
      ['ExecRecipe(command=["ls", 1])', /ExecRecipe: item number 1 in 'command' list was not a string/],
      ['Toleration(value="v")', /either 'key' must be set or 'operator' must be "Exists"/],
      ['Toleration(operator="Exists", value="v")', /'value' must be empty when 'operator' is "Exists"/],
      ['GpuConfig(driver={"docker": ""})', /key "docker" in field 'driver' must be a non-empty string/],
      ['GpuConfig(driver="")', /field 'driver' string shorthand cannot be empty/],
      ['GpuConfig(driver=1)', /field 'driver' must be a string or a dict/],
      ['GpuConfig(shm_size=-1)', /'shm_size' with value '-1' to uint64/],
    ];
    for (const [expr, re] of cases) {
      it(expr, () => assert.match(canonicalError(expr), re));
    }
  });

  describe('canonical form', () => {
    it('fills every ServiceConfig default', () => {
      assert.deepEqual(value('ServiceConfig(image="nginx")').canonical(), {
        image: { type: 'image', image: 'nginx' },
        ports: {},
        public_ports: {},
        files: {},
        entrypoint: [],
        cmd: [],
        env_vars: {},
        private_ip_address_placeholder: 'KURTOSIS_IP_ADDR_PLACEHOLDER',
        max_cpu: 0,
        min_cpu: 0,
        max_memory: 0,
        min_memory: 0,
        ready_conditions: null,
        labels: {},
        user: null,
        tolerations: [],
        node_selectors: {},
        files_to_be_moved: {},
        tini_enabled: true,
        tty_enabled: false,
        devices: [],
        publish_udp: false,
        capabilities: [],
        gpu: null,
        privileged: false,
        host_pid_namespace: false,
        bind_mounts: {},
      });
    });

    it('takes the settings current Kurtosis has after devices, in its positional order', () => {
      const c = value(
        'ServiceConfig("x", {}, {}, {}, [], [], {}, "P", 0, 6, 0, 0, 6, 0, ReadyCondition(ExecRecipe(["true"]), "code", "==", 0), {}, User(uid=0), ' +
          '[], {}, {}, True, False, [], True, ["NET_ADMIN"], GpuConfig(count=1), True, True, {"/var/run/docker.sock": "/var/run/docker.sock"}, "label")',
      ).canonical() as ServiceConfigJson;
      assert.equal(c.publish_udp, true);
      assert.deepEqual(c.capabilities, ['NET_ADMIN']);
      assert.equal(c.gpu?.count, 1);
      assert.equal(c.privileged, true);
      assert.equal(c.host_pid_namespace, true);
      assert.deepEqual(c.bind_mounts, { '/var/run/docker.sock': '/var/run/docker.sock' });
      assert.match(
        evalError('ServiceConfig(image="x", bind_mounts={"/etc": "/host-etc"})'),
        /host path "\/etc" is not permitted; only the following host paths are allowed: \/var\/run\/docker.sock/,
      );
      assert.match(evalError('ServiceConfig(image="x", publish_udp="yes")'), /for parameter "publish_udp": got string, want bool/);
    });

    it('makes cosmetically different configurations equal', () => {
      const a = value('ServiceConfig(image="nginx", ports={"http": PortSpec(80)}, files={"/conf": "cfg"}, cpu_allocation=500, memory_allocation=256)');
      const b = value(
        'ServiceConfig("nginx", {"http": PortSpec(number=80, transport_protocol="", wait="120000ms")}, {}, ' +
          '{"/conf": Directory(artifact_names=["cfg"])}, [], [], {}, "KURTOSIS_IP_ADDR_PLACEHOLDER", max_cpu=500, max_memory=256, tini_enabled=True)',
      );
      assert.deepEqual(a.canonical(), b.canonical());
      const c = value('ServiceConfig(image="nginx", ports={"http": PortSpec(80)}, files={"/conf": "cfg"}, max_cpu=501, max_memory=256)');
      assert.notDeepEqual(a.canonical(), c.canonical());
    });

    it('keeps keys such as "__proto__" as entries, in canonical order', () => {
      const config = value('ServiceConfig(image="x", env_vars={"__proto__": "p", "B": "b", "A": "a"})').canonical() as ServiceConfigJson;
      assert.deepEqual(Object.keys(config.env_vars), ['A', 'B', '__proto__']);
      assert.equal(Object.getOwnPropertyDescriptor(config.env_vars, '__proto__')?.value, 'p');
      assert.equal(Object.getPrototypeOf(config.env_vars), Object.prototype);
      assert.match(canonicalJson(canonicalRecord({ name: 'x', config })), /"env_vars":\{"A":"a","B":"b","__proto__":"p"\}/);
    });

    it('normalises the other types', () => {
      assert.deepEqual(value('PortSpec(53, "UDP", wait=None)').canonical(), {
        number: 53,
        transport_protocol: 'UDP',
        application_protocol: '',
        wait: null,
        url: '',
      });
      assert.deepEqual(value('PortSpec(80, wait="2m")').canonical(), value('PortSpec(80, wait="120s")').canonical());
      assert.deepEqual(value('Directory(persistent_key="data")').canonical(), { artifact_names: [], persistent_key: 'data', size: 1024 });
      assert.deepEqual(value('ImageBuildSpec(image_name="i", build_context_dir="./c")').canonical(), {
        type: 'build',
        image_name: 'i',
        build_context_dir: './c',
        build_file: 'Dockerfile',
        target_stage: '',
        build_args: {},
      });
      assert.deepEqual(value('NixBuildSpec(flake_location_dir="f", build_context_dir="c", image_name="i")').canonical(), {
        type: 'nix',
        flake_location_dir: 'f',
        build_context_dir: 'c',
        image_name: 'i',
        flake_output: '',
      });
      assert.deepEqual(value('PostHttpRequestRecipe(port_id="http", endpoint="/x")').canonical(), {
        type: 'http',
        method: 'POST',
        port_id: 'http',
        endpoint: '/x',
        body: '',
        content_type: 'application/json',
        extract: {},
        headers: {},
      });
      assert.deepEqual(value('ReadyCondition(GetHttpRequestRecipe("http", "/"), "code", "IN", (200, 204))').canonical(), {
        recipe: { type: 'http', method: 'GET', port_id: 'http', endpoint: '/', extract: {}, headers: {} },
        field: 'code',
        assertion: 'IN',
        target_value: [200, 204],
        target_type: 'tuple',
        interval: '1s',
        timeout: '15m0s',
      });
      assert.deepEqual(value('ReadyCondition(ExecRecipe(["x"]), "output", "==", 1.0)').canonical().target_type, 'float');
      assert.deepEqual(value('User(uid=0)').canonical(), { uid: 0, gid: null });
      assert.deepEqual(value('Toleration(operator="Exists")').canonical(), {
        key: '',
        operator: 'Exists',
        value: '',
        effect: '',
        toleration_seconds: null,
      });
      const nvidia = { docker: 'nvidia', kubernetes: 'nvidia.com/gpu' };
      assert.deepEqual(value('GpuConfig()').canonical(), { count: 0, device_ids: [], shm_size: 0, ulimits: {}, driver: nvidia });
      // As Kurtosis accepts them: count with device_ids, a driver dict with either key, a driver name.
      assert.deepEqual(value('GpuConfig(count=1, device_ids=["0"])').canonical(), { count: 1, device_ids: ['0'], shm_size: 0, ulimits: {}, driver: nvidia });
      assert.deepEqual((value('GpuConfig(driver={"docker": "amd"})').canonical() as { driver: unknown }).driver, {
        docker: 'amd',
        kubernetes: 'nvidia.com/gpu',
      });
      assert.deepEqual((value('GpuConfig(driver={"kubernetes": "amd.com/gpu"})').canonical() as { driver: unknown }).driver, {
        docker: 'nvidia',
        kubernetes: 'amd.com/gpu',
      });
      assert.deepEqual((value('GpuConfig(driver="amd")').canonical() as { driver: unknown }).driver, { docker: 'amd', kubernetes: 'amd.com/gpu' });
      assert.deepEqual(value('GpuConfig(driver={"docker": "nvidia", "kubernetes": "amd"}, ulimits={"memlock": -1})').canonical(), {
        count: 0,
        device_ids: [],
        shm_size: 0,
        ulimits: { memlock: -1 },
        driver: { docker: 'nvidia', kubernetes: 'amd' },
      });
      assert.deepEqual(value('StoreSpec(src="/a")').canonical(), { src: '/a', name: null });
    });
  });

  describe('host helpers', () => {
    it('makeService builds the Service Kurtosis returns', () => {
      const s = makeService(
        'db',
        { ip_address: '{{starform:service.db.ip_address}}', hostname: '{{starform:service.db.hostname}}' },
        {
          pg: { number: 5432, transport_protocol: 'TCP', application_protocol: 'postgresql', wait: '15s', url: '' },
          raw: { number: 9, transport_protocol: 'UDP', application_protocol: '', wait: null, url: '' },
        },
      );
      assert.ok(isKurtosis(s, 'Service'));
      assert.equal(
        str(s),
        'Service(name="db", hostname="{{starform:service.db.hostname}}", ip_address="{{starform:service.db.ip_address}}", ports={' +
          '"pg": PortSpec(number=5432, transport_protocol="TCP", application_protocol="postgresql", wait="15s", url="postgresql://db:5432"), ' +
          '"raw": PortSpec(number=9, transport_protocol="UDP")})',
      );
      // A port that did not wait comes back without `wait` (Kurtosis leaves it unset), so reusing it waits the default.
      assert.deepEqual(s.canonical().ports, {
        pg: { number: 5432, transport_protocol: 'TCP', application_protocol: 'postgresql', wait: '15s', url: 'postgresql://db:5432' },
        raw: { number: 9, transport_protocol: 'UDP', application_protocol: '', wait: '2m0s', url: '' },
      });
    });

    it('mergeServiceConfig follows set_service rules', () => {
      const base = value('ServiceConfig(image="a", cmd=["x"], max_cpu=100, max_memory=64, labels={"k": "v"})').canonical() as ServiceConfigJson;
      const upd = value('ServiceConfig(image="b", max_memory=128, user=User(1))');
      const merged = mergeServiceConfig(base, upd, upd.canonical() as ServiceConfigJson);
      assert.deepEqual(merged.image, { type: 'image', image: 'b' });
      assert.equal(merged.max_cpu, 100);
      assert.equal(merged.max_memory, 128);
      assert.deepEqual(merged.user, { uid: 1, gid: null });
      assert.deepEqual(merged.labels, { k: 'v' });
      assert.deepEqual(merged.cmd, ['x']);
      const bad = value('ServiceConfig(image="b", env_vars={"A": "1"})');
      assert.match(
        errorOf(() => mergeServiceConfig(base, bad, bad.canonical() as ServiceConfigJson)),
        /Overriding 'env_vars' is currently not supported\./,
      );
    });
  });

  describe('durations (canonical.ts)', () => {
    it('prints as Go Duration.String does', () => {
      const cases: [string, string][] = [
        ['0', '0s'],
        ['15s', '15s'],
        ['15000ms', '15s'],
        ['120s', '2m0s'],
        ['15m', '15m0s'],
        ['1.5h', '1h30m0s'],
        ['2h45m', '2h45m0s'],
        ['300ms', '300ms'],
        ['1.5s', '1.5s'],
        ['1500us', '1.5ms'],
        ['1µs', '1µs'],
        ['10ns', '10ns'],
        ['-90s', '-1m30s'],
        ['+5s', '5s'],
        ['.5s', '500ms'],
        ['1h0.5s', '1h0m0.5s'],
      ];
      for (const [input, out] of cases) assert.equal(normalizeDuration(input, 't'), out, input);
    });

    it('rejects what Go rejects', () => {
      for (const bad of ['', '5', '1d', 's', '1..5s', '5 s', '-', '.s']) assert.equal(isGoDuration(bad), false, bad);
      assert.throws(() => parseGoDuration('3 days', 'ctx'), /ctx: invalid duration "3 days"/);
      assert.equal(formatGoDuration(parseGoDuration('9223372036s', 't')), '2562047h47m16s');
    });

    it('converts data to JSON through json.encode', () => {
      const v = evalStar('{"s": struct(a = 1, b = [1, 2.5, None]), "t": (True,), "big": 12345678901234567890}');
      assert.deepEqual(toJsonData(v, 'data'), { s: { a: 1, b: [1, 2.5, null] }, t: [true], big: 12345678901234567000 });
      assert.match(
        errorOf(() => toJsonData(evalStar('{1: 2}'), 'data')),
        /^data: dict has int key, want string$/,
      );
    });
  });
});
