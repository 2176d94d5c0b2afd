// The refusal of a manual edit of a field a Contact Sync connection writes (mapping.rules.ts syncedFields).
// Pure: the contacts service asks the sync service for the managing connection's fields and calls this.
import type { ErrorDetail } from '#shared/errors.ts';
import type { ContactFields } from '../contacts/contacts.rules.ts';

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
