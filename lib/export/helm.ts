// The Helm target: a chart whose templates are the Kubernetes target's manifests
// (kubernetes.ts) with the values a user may want to change lifted into values.yaml:
//
//   services.<name>.image / .replicas    every service (replicas 0 for a stopped one)
//   jobs.<name>.image                    every one-off step's Job
//   args.<path>                          a package argument the plan used, where the plan
//                                        shows where it went: a service's env var whose
//                                        value is exactly the argument's value (a string
//                                        or number; sensitive arguments never). values.yaml
//                                        says which env vars each one feeds, and lists the
//                                        arguments it cannot trace (changing those needs a
//                                        new plan).
//
// Templates use Go text/template built-ins only (`index`, `printf "%q"`), no Sprig
// functions, so the tests render them with starform's own Go text/template engine
// (lib/template) exactly as Helm would, and validate the result with the Kubernetes
// schemas; `helm` itself is not available to the tests. Every literal `{{` of the
// manifests (an unresolved future reference, say) is escaped as `{{ "{{" }}`.
import type { JsonValue } from '../util/json.js';
import { dnsName, kubernetesManifests, orderLines } from './kubernetes.js';
import type { ExportEnvironment, ExportFile, ExportResult } from './model.js';
import { headerComment, yamlText } from './yaml-out.js';

const TOKEN = 'STARFORMTPL';

function escapeActions(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function quoteKey(k: string): string {
  return JSON.stringify(k);
}

/** Scalar package arguments by dotted path: [path segments, value]. */
function scalarArgs(value: JsonValue, path: string[] = []): [string[], string | number][] {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return path.length > 0 ? [[path, value]] : [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: [string[], string | number][] = [];
  for (const k of Object.keys(value).sort()) out.push(...scalarArgs((value as { [k: string]: JsonValue })[k]!, [...path, k]));
  return out;
}

export function exportHelm(env: ExportEnvironment): ExportResult {
  const { docs, notes, jobs } = kubernetesManifests(env);
  const chartName = dnsName(
    env.locator
      .split('/')
      .filter((s) => s !== '' && s !== '.')
      .at(-1) ?? 'starform',
  );
  const actions: string[] = [];
  const action = (text: string): string => {
    actions.push(text);
    return `${TOKEN}${actions.length - 1}X`;
  };

  // Which env vars each package argument feeds (exact values; ambiguous values are not traced).
  const args = scalarArgs(env.packageArgs).filter(([, v]) => !env.sensitive.includes(String(v)) && String(v) !== '');
  const byValue = new Map<string, string[][]>();
  for (const [path, v] of args) byValue.set(String(v), [...(byValue.get(String(v)) ?? []), path]);
  const feeds = new Map<string, string[]>();

  const values: { services: Record<string, unknown>; jobs: Record<string, unknown>; args?: Record<string, unknown> } = { services: {}, jobs: {} };
  for (const doc of docs) {
    const kind = doc['kind'];
    if (kind !== 'Deployment' && kind !== 'StatefulSet' && kind !== 'Job') continue;
    const name = (doc['metadata'] as { name: string }).name;
    const spec = doc['spec'] as Record<string, unknown>;
    const pod = (spec['template'] as { spec: { containers: Record<string, unknown>[] } }).spec;
    const container = pod.containers[0]!;
    const group = kind === 'Job' ? 'jobs' : 'services';
    values[group][name] = { image: container['image'], ...(kind !== 'Job' ? { replicas: spec['replicas'] } : {}) };
    container['image'] = action(`{{ index .Values.${group} ${quoteKey(name)} "image" | printf "%q" }}`);
    if (kind !== 'Job') spec['replicas'] = action(`{{ index .Values.services ${quoteKey(name)} "replicas" }}`);
    if (kind === 'Job') continue;
    for (const e of (container['env'] as { name: string; value?: string }[] | undefined) ?? []) {
      if (e.value === undefined) continue;
      const paths = byValue.get(e.value);
      if (paths === undefined || paths.length !== 1) continue;
      const path = paths[0]!;
      const key = path.join('.');
      feeds.set(key, [...(feeds.get(key) ?? []), `env ${e.name} of ${name}`]);
      const lookup = `(index .Values.args ${path.map(quoteKey).join(' ')})`;
      e.value = action(`{{ printf "%v" ${lookup} | printf "%q" }}`);
    }
  }
  const traced = args.filter(([p]) => feeds.has(p.join('.')));
  const untraced = args.filter(([p]) => !feeds.has(p.join('.'))).map(([p]) => p.join('.'));
  if (traced.length > 0) {
    const tree: Record<string, unknown> = {};
    for (const [path, v] of traced) {
      let node = tree;
      for (const seg of path.slice(0, -1)) node = (node[seg] ??= {}) as Record<string, unknown>;
      node[path.at(-1)!] = v;
    }
    values.args = tree;
  }

  const files: ExportFile[] = [];
  const chart = {
    apiVersion: 'v2',
    name: chartName,
    description: `The environment of a starform plan of ${env.locator}`,
    type: 'application',
    version: '0.1.0',
    annotations: { 'starform.dev/plan-checksum': env.checksum },
  };
  files.push({
    path: 'Chart.yaml',
    content: `${headerComment('Helm chart of a starform plan.', env, null, ['Install: helm install NAME .', 'What the chart cannot express is listed in templates/NOTES.txt (helm prints it after installing).'])}${yamlText(chart)}`,
    mode: 0o644,
  });

  const valueLines = [
    'services.<name>.image/.replicas and jobs.<name>.image: the images the plan used.',
    ...[...feeds].map(([k, where]) => `args.${k}: the package argument; feeds ${where.join(', ')}.`),
    ...(untraced.length > 0
      ? [`Package arguments not exposed (the plan does not show where their values go; change them with a new plan): ${untraced.join(', ')}.`]
      : []),
  ];
  files.push({ path: 'values.yaml', content: `${headerComment('Values of the chart.', env, null, valueLines)}${yamlText(values)}`, mode: 0o644 });

  docs.forEach((doc, i) => {
    const meta = doc['metadata'] as { name: string };
    const text = escapeActions(yamlText(doc)).replace(new RegExp(`"?${TOKEN}(\\d+)X"?`, 'g'), (_m, n: string) => actions[Number(n)]!);
    const path = `templates/${String(i + 1).padStart(2, '0')}-${String(doc['kind']).toLowerCase()}-${meta.name}.yaml`;
    files.push({ path, content: text, mode: doc['kind'] === 'Secret' ? 0o600 : 0o644 });
  });
  const notesText = headerComment('The environment of a starform plan.', env, notes, orderLines(jobs))
    .split('\n')
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  files.push({ path: 'templates/NOTES.txt', content: escapeActions(notesText), mode: 0o644 });
  return { files, notes };
}
