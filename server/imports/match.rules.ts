// Rows with neither an id nor a primary email: counted (each creates a contact, again at every import), and
// matched by another key of the contact record when the import asks for it (`matchBy`). Pure.
import type { ImportMatchKey } from '#shared/import.schema.ts';
import { toE164 } from '../contacts/contacts.rules.ts';
import type { CurrentContact, RowPatch } from './rows.rules.ts';

/** A row the import can read that names no contact by id or primary email. */
export const isUnkeyed = (p: RowPatch | null) => p !== null && p.errors.length === 0 && !p.id && !p.email;

/**
 * The row's keys for `matchBy`: the E.164 form of every phone it names (team default region), or its
 * directory sync id. A phone that cannot be read as a number is no key.
 */
export function matchKeysOf(p: RowPatch, matchBy: ImportMatchKey, region: string): string[] {
  if (matchBy === 'directorySyncId') {
    const v = p.input.directory?.syncId?.trim();
    return v ? [v] : [];
  }
  const values = [...(p.phones?.whole ?? []), ...(p.phones?.labeled ?? [])].map(([, v]) => v);
  return [...new Set(values.map((v) => toE164(v, region)).filter((e): e is string => e !== null))];
}

export type KeyMatch = { kind: 'none' } | { kind: 'one'; contact: CurrentContact } | { kind: 'many'; ids: string[] };

/** The contacts (`holders`: key → contact ids) that hold any of the row's keys: one is a match; several make it ambiguous. */
export function matchByKeys(
  keys: string[],
  holders: ReadonlyMap<string, readonly string[]>,
  byId: (id: string) => CurrentContact | undefined,
): KeyMatch {
  const ids = [...new Set(keys.flatMap((k) => holders.get(k) ?? []))].sort();
  if (ids.length === 0) return { kind: 'none' };
  if (ids.length > 1) return { kind: 'many', ids };
  const contact = byId(ids[0]!);
  return contact ? { kind: 'one', contact } : { kind: 'none' };
}
