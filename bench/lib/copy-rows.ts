// Contact rows for COPY, built by the application's own code path: applyContactInput on an empty contact
// (as POST /contacts does), phonesE164 with the team's region, and fieldsToColumns (which derives
// search_text and the sort keys). Nothing here normalises anything itself.
import { fieldsToColumns } from '../../server/contacts/contacts.presenter.ts';
import { applyContactInput, emptyContact, phonesE164 } from '../../server/contacts/contacts.rules.ts';
import { uuidv7 } from '../../server/db/ids.ts';
import type { GeneratedContact } from './contact-gen.ts';

export function buildRow(c: GeneratedContact, teamId: string, region: string) {
  const applied = applyContactInput(emptyContact(), c.input);
  if (!applied.ok) throw new Error(`the generator made an invalid contact: ${JSON.stringify(applied.details)} ${JSON.stringify(c.input)}`);
  return {
    id: uuidv7(c.createdAt.getTime()),
    teamId,
    ...fieldsToColumns(applied.value, phonesE164(applied.value.phones, region)),
    portalVerifiedAt: c.portalVerifiedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    deletedAt: c.deletedAt,
  };
}
export type BuiltRow = ReturnType<typeof buildRow>;

/** The COPY column list for rows from buildRow (Kysely's CamelCasePlugin naming: phonesE164 → phones_e164). */
export const snakeCase = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// COPY text format: backslash, newline, carriage return and tab are escaped; \N is NULL
const copyEscape = (s: string) => s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
const arrayLiteral = (a: unknown[]) => `{${a.map((v) => `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;

export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return copyEscape(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return copyEscape(arrayLiteral(v));
  throw new Error(`no COPY encoding for ${typeof v}`);
}

export function copyLine(row: Record<string, unknown>, keys: readonly string[]): string {
  let line = '';
  for (let i = 0; i < keys.length; i++) line += (i ? '\t' : '') + copyValue(row[keys[i]!]);
  return `${line}\n`;
}
