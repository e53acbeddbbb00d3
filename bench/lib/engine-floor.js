// @ts-check
// The floor of the apply benchmark (issue 19): the least a tool can do to bring up the
// bench's services — create a network, then create and start each container straight
// through the Docker Engine API (plain HTTP on the engine's socket, no client library), at
// most PARALLELISM at a time, with the configuration starform gives them (image, command,
// environment, a published port, the network with the service's name as alias). It waits
// for nothing else: no port checks, no state. Run as a whole process, like starform, so
// Node's start-up counts on both sides.
//
//   node bench/lib/engine-floor.js up NAME COUNT PARALLELISM IMAGE
//   node bench/lib/engine-floor.js replace NAME COUNT PARALLELISM IMAGE
//       (each container of `up NAME` removed and made again with VERSION=2: the floor of
//       changing all of them)
//   node bench/lib/engine-floor.js remove NAME PARALLELISM
//       (the containers of `up NAME` removed, then the network: the floor of a destroy)
//   node bench/lib/engine-floor.js down NAME      (removes what `up NAME` made; untimed)
//
// Every container and the network carry the label starform-bench-floor=NAME.
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';

const SOCKET = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';

/**
 * One engine API call; resolves with the parsed answer, rejects on an HTTP error.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: SOCKET,
        method,
        path,
        headers: text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const answer = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${answer.trim()}`));
          else resolve(answer ? JSON.parse(answer) : null);
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * Runs `task(i)` for i in [0, count), at most `parallelism` at a time.
 * @param {number} count
 * @param {number} parallelism
 * @param {(i: number) => Promise<void>} task
 */
async function pool(count, parallelism, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, count) }, worker));
}

/** @param {string} name */
const labelsOf = (name) => ({ 'starform-bench-floor': name });
/** @param {string} name */
const filtersOf = (name) => encodeURIComponent(JSON.stringify({ label: [`starform-bench-floor=${name}`] }));

/**
 * Creates and starts service i's container.
 * @param {string} name
 * @param {number} i
 * @param {string} image
 * @param {string} version
 */
async function createAndStart(name, i, image, version) {
  const network = `floor-${name}`;
  const service = `web-${i}`;
  const created = await call('POST', `/containers/create?name=${encodeURIComponent(`floor-${name}-${service}`)}`, {
    Hostname: service,
    Image: image,
    Labels: labelsOf(name),
    Env: [`VERSION=${version}`, `INDEX=${i}`],
    Cmd: ['httpd', '-f', '-p', '8080'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { NetworkMode: network, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service] } } },
  });
  await call('POST', `/containers/${created.Id}/start`);
}

/**
 * @param {string} name
 * @param {number} count
 * @param {number} parallelism
 * @param {string} image
 */
async function up(name, count, parallelism, image) {
  await call('POST', '/networks/create', { Name: `floor-${name}`, Driver: 'bridge', Labels: labelsOf(name), CheckDuplicate: true });
  await pool(count, parallelism, (i) => createAndStart(name, i, image, '1'));
}

/**
 * @param {string} name
 * @param {number} count
 * @param {number} parallelism
 * @param {string} image
 */
async function replace(name, count, parallelism, image) {
  await pool(count, parallelism, async (i) => {
    await call('DELETE', `/containers/${encodeURIComponent(`floor-${name}-web-${i}`)}?force=1&v=1`);
    await createAndStart(name, i, image, '2');
  });
}

/**
 * @param {string} name
 * @param {number} parallelism
 */
async function remove(name, parallelism) {
  const containers = await call('GET', `/containers/json?all=1&filters=${filtersOf(name)}`);
  await pool(containers.length, parallelism, (i) => call('DELETE', `/containers/${containers[i].Id}?force=1&v=1`));
  await removeNetworks(name);
}

/**
 * Removes the networks of `name`. A busy Docker 20.10 may still be detaching the containers
 * just removed ("has active endpoints"): retried for a while, as starform's destroy does.
 * @param {string} name
 */
async function removeNetworks(name) {
  const networks = await call('GET', `/networks?filters=${filtersOf(name)}`);
  for (const n of networks) {
    const deadline = Date.now() + 20_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await call('DELETE', `/networks/${n.Id}`);
        break;
      } catch (err) {
        if (!/active endpoints/i.test(/** @type {Error} */ (err).message)) throw err;
        if (Date.now() > deadline) throw Object.assign(/** @type {Error} */ (err), { stuck: n.Name });
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
  }
}

/** @param {string} name */
async function down(name) {
  const filters = filtersOf(name);
  const containers = await call('GET', `/containers/json?all=1&filters=${filters}`);
  // A few at a time: Docker 20.10 can lose count of a network's endpoints when many of its
  // containers go at once, and the network can then never be removed.
  await pool(containers.length, 4, (i) => call('DELETE', `/containers/${containers[i].Id}?force=1&v=1`));
  await removeNetworks(name);
}

/** Exit code of a run whose containers went but whose network the engine would not remove (see removeNetworks). */
export const STUCK_NETWORK = 3;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));

/** @param {string[]} argv */
async function main(argv) {
  const [mode, name, count, parallelism, image] = argv;
  try {
    if (mode === 'up' && name && count && parallelism && image) await up(name, Number(count), Number(parallelism), image);
    else if (mode === 'replace' && name && count && parallelism && image) await replace(name, Number(count), Number(parallelism), image);
    else if (mode === 'remove' && name && count) await remove(name, Number(count));
    else if (mode === 'down' && name) await down(name);
    else {
      process.stderr.write('usage: engine-floor.js up|replace NAME COUNT PARALLELISM IMAGE | remove NAME PARALLELISM | down NAME\n');
      process.exitCode = 2;
    }
  } catch (err) {
    const stuck = /** @type {{ stuck?: string }} */ (err).stuck;
    if (stuck === undefined) throw err;
    // Docker 20.10 can lose count of a network's endpoints: it then refuses to remove the
    // network for good (until the daemon restarts), though nothing is attached to it.
    process.stderr.write(
      `engine-floor: the engine kept network ${stuck} with no container on it ("has active endpoints" for 20 s): its endpoint count is lost\n`,
    );
    process.exitCode = STUCK_NETWORK;
  }
}
