// Views of the enclave's status (lib/apply/status.ts): the text table `starform status`
// prints and an apply ends with, and the JSON document of `status --json` (also the
// `status` line of apply's NDJSON). Text: one row per service (ports each on a row of
// their own, with the host URL to open), the files artifacts with their files, the
// outputs with the host URLs of the in-enclave addresses they contain. Everything the
// package or its containers named is masked (lib/render/redact.ts) and its control
// characters made visible.
import type { EnclaveStatus, ServiceStatusRow } from '../apply/index.js';
import { formatJson, type JsonObject, type JsonValue } from '../util/json.js';
import { outputsText } from './apply-view.js';
import { OUTPUT_FORMAT_VERSION } from './json-views.js';
import { neutraliseInline, outputRedactor, type Redactor } from './redact.js';
import { paint, useColor, type Painter } from './style.js';
import type { View } from './view.js';

/** A service's state in words: running, stopped, exited with code 7, missing; "failed, …" when the state records a failure. */
export function stateText(s: ServiceStatusRow): string {
  const now = s.condition === 'exited' ? `exited with code ${s.exitCode ?? 'unknown'}` : s.condition === 'other' ? (s.engineState ?? 'unknown') : s.condition;
  return s.recorded === 'failed' ? `failed, ${now}` : now;
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The digest as the table shows it: the algorithm and 12 hex digits, after the repository if any. */
function shortDigest(digest: string | null): string {
  if (digest === null) return '-';
  const m = /^(?:(.*)@)?(sha256:[0-9a-f]{12})[0-9a-f]*$/.exec(digest);
  return m ? m[2]! : digest;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], p: Painter): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [p.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
}

/** The text table (see the file comment); `title` false leaves out the enclave line (the end of an apply). */
export function renderStatusText(status: EnclaveStatus, options: { color?: boolean; title?: boolean; redactor?: Redactor } = {}): string {
  const p = paint(options.color ?? false);
  const r = options.redactor ?? outputRedactor();
  const safe = (text: string): string => neutraliseInline(r.redactJson(text) as string);
  const parts: string[] = [];
  if (options.title !== false) {
    parts.push(
      status.lineage === null
        ? 'Nothing has been applied with this state.\n'
        : `Enclave ${status.networkName ?? `starform-${status.lineage}`} (state serial ${status.serial})\n`,
    );
  }
  if (status.services.length > 0) {
    const rows: string[][] = [];
    for (const s of status.services) {
      const ports = s.ports.length > 0 ? s.ports : [undefined];
      ports.forEach((port, i) => {
        const portCells = port ? [safe(port.id), `${port.number}/${port.transportProtocol.toLowerCase()}`, port.hostUrl ?? '(not published)'] : ['', '', ''];
        rows.push(
          i === 0 ? [safe(s.name), stateText(s), safe(s.image), shortDigest(s.digest), s.ipAddress ?? '-', ...portCells] : ['', '', '', '', '', ...portCells],
        );
      });
    }
    parts.push(table(['SERVICE', 'STATE', 'IMAGE', 'DIGEST', 'IP', 'PORT', '', 'HOST URL'], rows, p));
  }
  if (status.artifacts.length > 0) {
    const rows: string[][] = [];
    for (const a of status.artifacts) {
      if (a.files === null) rows.push([safe(a.name), '(its stored content cannot be read)', '']);
      else if (a.files.length === 0) rows.push([safe(a.name), '(no files)', '']);
      else a.files.forEach((f, i) => rows.push([i === 0 ? safe(a.name) : '', safe(f.path), sizeText(f.size)]));
    }
    parts.push(table(['FILES ARTIFACT', 'FILE', 'SIZE'], rows, p));
  }
  const outputs = outputsText(status.outputs, r);
  if (outputs !== '') {
    let text = `${p.bold('Outputs:')}\n\n${outputs}`;
    if (status.outputAddresses.length > 0) {
      text +=
        `\n${p.bold('On this host:')}\n\n` + status.outputAddresses.map((a) => `${safe(a.output)}: ${safe(a.address)} → ${safe(a.hostUrl)}`).join('\n') + '\n';
    }
    parts.push(text);
  }
  if (parts.length === (options.title !== false ? 1 : 0) && status.lineage !== null) parts.push('The enclave has no services, files artifacts or outputs.\n');
  return parts.join('\n');
}

/** `status --json` (schemas/output-status.schema.json). */
export function statusDocument(status: EnclaveStatus, redactor: Redactor = outputRedactor()): JsonObject {
  const mask = (v: JsonValue): JsonValue => redactor.redactJson(v);
  return {
    format_version: OUTPUT_FORMAT_VERSION,
    lineage: status.lineage,
    serial: status.serial,
    network: status.networkName,
    services: status.services.map((s) => ({
      name: s.name,
      state: s.condition,
      state_text: stateText(s),
      recorded_status: s.recorded,
      ...(s.exitCode !== undefined ? { exit_code: s.exitCode } : {}),
      container_id: s.containerId,
      image: mask(s.image),
      digest: s.digest,
      hostname: s.hostname,
      ip_address: s.ipAddress,
      ports: s.ports.map((p) => ({
        id: p.id,
        number: p.number,
        transport_protocol: p.transportProtocol,
        application_protocol: p.applicationProtocol,
        host_address: p.hostAddress,
        host_url: p.hostUrl,
      })),
    })),
    files_artifacts: status.artifacts.map((a) => ({
      name: a.name,
      size: a.size,
      files: a.files === null ? null : a.files.map((f) => ({ path: f.path, size: f.size })),
    })),
    outputs: mask(status.outputs),
    output_addresses: status.outputAddresses.map((a) => ({
      output: a.output,
      address: mask(a.address),
      service: a.service,
      port_id: a.portId,
      host_url: mask(a.hostUrl),
    })),
  };
}

function statusJson(status: EnclaveStatus): string {
  return formatJson(statusDocument(status));
}

/** `starform status`: the table, or the document of schemas/output-status.schema.json (lib/render/view.ts). */
export const statusView: View<EnclaveStatus> = {
  human(status, { out }) {
    out.write(renderStatusText(status, { color: useColor(out) }));
  },
  json(status, { out }) {
    out.write(statusJson(status));
  },
};
