// Cell codecs shared by import and export: formula neutralisation, booleans, labeled lists. Pure.

const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\n']);

/**
 * Export side (SPEC §4): a cell that a spreadsheet could read as a formula (`= + - @`, tab, CR, LF at
 * the start) gets a leading `'`; so does a cell that itself starts with `'`, so that the import can
 * always remove exactly one.
 */
export function neutralizeCell(value: string): string {
  if (value === '') return value;
  const c = value[0]!;
  return FORMULA_START.has(c) || c === "'" ? `'${value}` : value;
}

/** Import side: removes one leading `'` when the next character is one the export would have protected. */
export function unneutralizeCell(value: string): string {
  if (value.length < 2 || value[0] !== "'") return value;
  const c = value[1]!;
  return FORMULA_START.has(c) || c === "'" ? value.slice(1) : value;
}

const TRUE = new Set(['true', 'yes', '1', 'y', 'on']);
const FALSE = new Set(['false', 'no', '0', 'n', 'off']);

export type CellResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** true/false, yes/no, 1/0, y/n, on/off in any case; empty → undefined (leave unchanged). */
export function parseBooleanCell(raw: string): CellResult<boolean | undefined> {
  const v = raw.trim().toLowerCase();
  if (v === '') return { ok: true, value: undefined };
  if (TRUE.has(v)) return { ok: true, value: true };
  if (FALSE.has(v)) return { ok: true, value: false };
  return { ok: false, message: `"${shorten(raw.trim())}" is not a yes/no value (use true/false, yes/no, 1/0, y/n or on/off)` };
}

export const formatBooleanCell = (v: boolean) => (v ? 'true' : 'false');

/** One entry of a labeled list: the label is null when the cell gave none (a plain value or a list). */
export type LabeledEntry = [label: string | null, value: string];

/**
 * Reads an `emails` / `phones` cell: a single value, a list (`a; b`, one per line, or a JSON array) or a
 * labeled JSON map (`{"work":"a@x.com"}`). Emails may also be separated by commas (an address cannot
 * contain one); phones not, because a comma is a dialling pause.
 */
export function parseLabeledCell(raw: string, kind: 'emails' | 'phones'): CellResult<LabeledEntry[]> {
  const v = raw.trim();
  if (v === '') return { ok: true, value: [] };
  if (v.startsWith('{') || v.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      return {
        ok: false,
        message: `is not valid JSON (a labeled map looks like {"work":"${kind === 'emails' ? 'a@example.com' : '+1 555 123 4567'}"})`,
      };
    }
    const value = (x: unknown): string | null =>
      typeof x === 'string' ? x : typeof x === 'number' && kind === 'phones' ? String(x) : null;
    if (Array.isArray(parsed)) {
      const out: LabeledEntry[] = [];
      for (const x of parsed) {
        const s = value(x);
        if (s === null) return { ok: false, message: 'a JSON list may contain only text values' };
        if (s.trim() !== '') out.push([null, s]);
      }
      return { ok: true, value: out };
    }
    if (parsed !== null && typeof parsed === 'object') {
      const out: LabeledEntry[] = [];
      for (const [label, x] of Object.entries(parsed)) {
        // refused like the API refuses it in a JSON body (prototype poisoning), never silently dropped
        if (label === '__proto__') return { ok: false, message: 'the label "__proto__" is not allowed' };
        const s = value(x);
        if (s === null) return { ok: false, message: `the value for "${shorten(label)}" must be text` };
        if (s.trim() !== '') out.push([label, s]);
      }
      return { ok: true, value: out };
    }
    return { ok: false, message: 'must be a value, a list or a labeled JSON map' };
  }
  const sep = kind === 'emails' ? /\s*(?:[;,\n]|\r\n?|\s:::\s)\s*/ : /\s*(?:[;\n]|\r\n?|\s:::\s)\s*/;
  return {
    ok: true,
    value: v
      .split(sep)
      .filter((s) => s !== '')
      .map((s): LabeledEntry => [null, s]),
  };
}

/** A labeled map as one cell: `{"work":"a@x.com"}`, or empty when there is nothing. */
export function formatLabeledCell(map: Record<string, string>): string {
  return Object.keys(map).length ? JSON.stringify(map) : '';
}

/**
 * Turns a label from another system into ours: Google's `* Work` (the asterisk marks the primary) → `work`,
 * `Mobile` → `mobile`. Empty → null.
 */
export function normalizeLabel(raw: string): string | null {
  const v = raw
    .replace(/^\s*\*\s*/, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');
  return v === '' ? null : v.slice(0, 40).trim();
}

/**
 * Gives every entry a label that is unique within the map: entries without one get `fallback`,
 * `fallback2`, ...; a repeated label gets `2`, `3`... appended (`work`, `work2`), so nothing is lost.
 */
export function labelEntries(entries: LabeledEntry[], fallback: string, taken: Iterable<string> = []): [string, string][] {
  const used = new Set(taken);
  const out: [string, string][] = [];
  for (const [label, value] of entries) {
    const base = label?.trim() || fallback;
    let l = base;
    for (let i = 2; used.has(l); i++) l = `${base}${i}`;
    used.add(l);
    out.push([l, value]);
  }
  return out;
}

/** A column as a spreadsheet names it: 0 → A, 26 → AA, 16383 → XFD. */
export function columnName(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function shorten(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
