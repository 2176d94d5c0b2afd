// Which contact fields a Contact Sync connection owns, and the refusal of a manual edit of one of them.
// Pure: the contacts service asks the sync service for the managing connection's mapping and calls this.
import type { ErrorDetail } from '#shared/errors.ts';
import type { ContactFields } from '../contacts/contacts.rules.ts';

/** Mapping keys that are not contact fields of the editor (they land in the directory columns). */
const DIRECTORY_KEYS = new Set(['reportsTo', 'organizationId', 'directory.organizationId', 'directory.reportsToSyncId']);

/**
 * The contact field paths a connection writes: its mapping's keys (`firstName`, `phones.work`,
 * `address.city`, `permissions.portalAccess`...) and `permissions.active`, which every run sets (a disabled
 * account, or a person who left the scope, is inactive).
 */
export function syncedPaths(mappingKeys: readonly string[]): string[] {
  const out = new Set<string>(['permissions.active']);
  for (const k of mappingKeys) if (!DIRECTORY_KEYS.has(k)) out.add(k);
  return [...out];
}

function valueAt(f: ContactFields, path: string): unknown {
  const [head, rest] = [path.split('.')[0]!, path.split('.').slice(1).join('.')];
  const v = (f as unknown as Record<string, unknown>)[head];
  if (!rest) return v ?? null;
  if (v === null || typeof v !== 'object') return null;
  return (v as Record<string, unknown>)[rest] ?? null;
}

/**
 * The synced fields an edit changes: one detail per field, naming the connection, or none. A value sent
 * back as it is stored is not a change.
 */
export function syncedFieldViolations(
  before: ContactFields,
  after: ContactFields,
  paths: readonly string[],
  connectionName: string,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const p of paths) {
    if (JSON.stringify(valueAt(before, p)) !== JSON.stringify(valueAt(after, p))) {
      details.push({ path: p, message: `Read-only: synced from the directory by the connection "${connectionName}"` });
    }
  }
  return details;
}
