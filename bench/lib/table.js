// @ts-check
// Plain-text tables for benchmark reports: a header, a rule, rows; the first column is
// left-aligned and the others right-aligned, as numbers read best that way. Notes (such
// as warnings) are printed under the table, each on its own line.

/**
 * @param {readonly string[]} header
 * @param {readonly (readonly string[])[]} rows
 * @returns {string}
 */
export function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  /** @param {readonly string[]} cells */
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(/** @type {number} */ (widths[i])) : c.padStart(/** @type {number} */ (widths[i]))))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
