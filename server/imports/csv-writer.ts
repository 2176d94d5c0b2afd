// Writing CSV (RFC 4180): cells with a comma, quote, line break or edge spaces are quoted, quotes doubled,
// lines end with CRLF. Formula neutralisation is the caller's (cells.rules.ts), because it is per cell meaning.
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    if (i) out += ',';
    out += csvCell(cells[i]!);
  }
  return `${out}\r\n`;
}
