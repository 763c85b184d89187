// CSV for downloads and `history?format=csv`: RFC 4180 quoting, CRLF line ends, and formula injection
// neutralised — a cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
// return; OWASP "CSV Injection") gets a leading apostrophe, so it is shown as text. Self-contained on purpose:
// the report page runs this same function in the browser (its text is embedded in the page's script).

/** A table as CSV: a header row of `columns`, then one row per object (arrays joined with "; ", objects as JSON). */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  const cell = (value: unknown): string => {
    let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join('; ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map(cell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The columns of a list of objects: every key, in the order first seen. */
export function columnsOf(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
