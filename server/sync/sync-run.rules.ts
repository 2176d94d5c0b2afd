// The pure rules of a Contact Sync run: what each directory person becomes (create, update, unchanged,
// conflict, failed), who reports to whom (second pass, cycles allowed), when people who left the scope are
// deactivated, and the run's counts. No I/O: the run job reads one batch of stored contacts at a time
// and hands them in.
import { diffContacts, type ContactFields, type DirectoryFields } from '../contacts/contacts.rules.ts';
import type { StoredDerived, SyncedReportsTo } from '../contacts/contacts.writer.ts';

/** One person of the directory (a DirectoryEntry of the source). */
export interface SyncPerson {
  /** The stable id: objectGUID as canonical GUID text, entryUUID, or the attribute the connection names. */
  syncId: string;
  dn: string | null;
}

/** What the mapping makes of a person on top of a contact's fields (mapping.rules.ts applyMapping). */
export interface Mapped {
  fields: ContactFields;
  organizationId: string | null;
  /** Why this person cannot be synced; null when they can. */
  failure: string | null;
}

/** A live contact of the team as stored (read in the batch's transaction). */
export interface StoredContact {
  id: string;
  fields: ContactFields;
  directory: DirectoryFields;
  stored?: StoredDerived | null;
}

export type Outcome =
  | { kind: 'create'; syncId: string; contactId: string; fields: ContactFields; organizationId: string | null }
  | {
      kind: 'update';
      syncId: string;
      contactId: string;
      current: StoredContact;
      after: ContactFields;
      organizationId: string | null;
      /** Field and directory differences, as the audit row and the activity view show them. */
      changes: Record<string, { before: unknown; after: unknown }>;
      reason: string | null;
    }
  | { kind: 'unchanged'; syncId: string; contactId: string }
  | { kind: 'conflict'; syncId: string; contactId: string | null; reason: string }
  | { kind: 'failed'; syncId: string; contactId: string | null; reason: string };

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  conflicts: number;
  failed: number;
}
export const emptyCounts = (): SyncCounts => ({ created: 0, updated: 0, unchanged: 0, deactivated: 0, conflicts: 0, failed: 0 });

const COUNT_OF: Record<Outcome['kind'], keyof SyncCounts> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  conflict: 'conflicts',
  failed: 'failed',
};
export const countKeyOf = (kind: Outcome['kind']): keyof SyncCounts => COUNT_OF[kind];

/** Adds the outcomes of a batch to the counts (each outcome is one person). */
export function addCounts(counts: SyncCounts, outcomes: readonly Pick<Outcome, 'kind'>[]): SyncCounts {
  const out = { ...counts };
  for (const o of outcomes) out[COUNT_OF[o.kind]]++;
  return out;
}
export function sumCounts(a: SyncCounts, b: Partial<SyncCounts>): SyncCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof SyncCounts)[]) out[k] += b[k] ?? 0;
  return out;
}

export interface ReconcileContext<P extends SyncPerson> {
  connectionId: string;
  /** Stored live contacts of the team holding the batch's sync ids. */
  bySyncId: ReadonlyMap<string, StoredContact>;
  /** Stored live contacts of the team holding the batch's primary emails. */
  byEmail: ReadonlyMap<string, StoredContact>;
  /** The mapping of one person onto a contact's fields (the stored contact's, or a new contact's). */
  apply: (person: P, base: ContactFields | null) => Mapped;
  newId: () => string;
  /**
   * The directory person (sync id) of the batch recognised unchanged before `person` who holds `email`, if any:
   * people left out of `people` because they are known unchanged still claim their email where they stand.
   */
  claimedBefore?: (person: P, email: string) => string | undefined;
}

/**
 * What each person of a batch becomes. Exactly one outcome per distinct sync id (a person the directory
 * answered twice is counted once). Rules:
 * - matched by sync id: updated when a mapped field or a directory column differs, else unchanged; a
 *   contact another connection manages is a conflict;
 * - new sync id: created, unless a live contact holds the person's email — a contact no directory
 *   manages is linked to the person (updated), one with another sync id is a conflict (never merged,
 *   never duplicated);
 * - an email another contact (or an earlier person of the batch) holds is a conflict;
 * - a person the mapping cannot read (no stable id, a required field empty, nothing to name them by)
 *   fails; a person without the mapped email is still created when they have a name.
 */
export function reconcile<P extends SyncPerson>(people: readonly P[], ctx: ReconcileContext<P>): Outcome[] {
  const out: Outcome[] = [];
  const seen = new Set<string>();
  // emails taken by earlier people of this batch → their sync id
  const claimed = new Map<string, string>();
  for (const p of people) {
    if (seen.has(p.syncId)) continue;
    seen.add(p.syncId);
    const current = ctx.bySyncId.get(p.syncId) ?? null;
    const fail = (reason: string): Outcome => ({ kind: 'failed', syncId: p.syncId, contactId: current?.id ?? null, reason });
    if (current && current.directory.connectionId !== null && current.directory.connectionId !== ctx.connectionId) {
      out.push({
        kind: 'conflict',
        syncId: p.syncId,
        contactId: current.id,
        reason: `The contact with this sync id is managed by another connection (${current.directory.connectionId})`,
      });
      continue;
    }
    const mapped = ctx.apply(p, current?.fields ?? null);
    if (mapped.failure) {
      out.push(fail(mapped.failure));
      continue;
    }
    const after = mapped.fields;
    const email = after.primaryEmail;
    let target = current;
    let reason: string | null = null;
    if (email) {
      const holder = ctx.byEmail.get(email);
      const other = claimed.get(email) ?? ctx.claimedBefore?.(p, email);
      if (other !== undefined) {
        out.push({
          kind: 'conflict',
          syncId: p.syncId,
          contactId: current?.id ?? null,
          reason: `${email} is also the email of directory person ${other}`,
        });
        continue;
      }
      if (holder && holder.id !== current?.id) {
        const linkable = !current && holder.directory.syncId === null && holder.directory.connectionId === null;
        if (!linkable) {
          out.push({
            kind: 'conflict',
            syncId: p.syncId,
            contactId: current?.id ?? holder.id,
            reason: holder.directory.syncId
              ? `${email} belongs to contact ${holder.id}, synced with another id (${holder.directory.syncId}); resolve it by hand (merge or remove one)`
              : `${email} belongs to contact ${holder.id}, which is not this person`,
          });
          continue;
        }
        // an existing contact no directory manages: the person takes it over
        target = holder;
        reason = 'Linked to the existing contact with the same email';
      }
      claimed.set(email, p.syncId);
    }
    if (!target) {
      out.push({ kind: 'create', syncId: p.syncId, contactId: ctx.newId(), fields: after, organizationId: mapped.organizationId });
      continue;
    }
    const finalAfter = target === current ? after : ctx.apply(p, target.fields).fields;
    const changes = diffContacts(target.fields, finalAfter);
    const d = target.directory;
    if (d.syncId !== p.syncId) changes['directory.syncId'] = { before: d.syncId, after: p.syncId };
    if (d.connectionId !== ctx.connectionId) changes['directory.connectionId'] = { before: d.connectionId, after: ctx.connectionId };
    if (d.organizationId !== mapped.organizationId) {
      changes['directory.organizationId'] = { before: d.organizationId, after: mapped.organizationId };
    }
    if (!Object.keys(changes).length) {
      out.push({ kind: 'unchanged', syncId: p.syncId, contactId: target.id });
      continue;
    }
    out.push({
      kind: 'update',
      syncId: p.syncId,
      contactId: target.id,
      current: target,
      after: finalAfter,
      organizationId: mapped.organizationId,
      changes,
      reason,
    });
  }
  return out;
}

/** The default share of a connection's people a run may deactivate without a confirmation. */
export const DEFAULT_DEACTIVATION_THRESHOLD = 0.2;

/**
 * People who left the scope are deactivated only after a complete, successful full run; above the
 * threshold (a share of the connection's active contacts) the run stops in needs_confirmation instead.
 */
export function deactivationPlan(o: {
  complete: boolean;
  full: boolean;
  leaving: number;
  /** Active contacts of the connection before the run (the leaving ones included). */
  managed: number;
  threshold: number;
  confirmed: boolean;
}): { action: 'none' | 'deactivate' | 'needs_confirmation'; share: number } {
  if (!o.complete || !o.full || o.leaving === 0) return { action: 'none', share: 0 };
  const share = o.managed > 0 ? o.leaving / o.managed : 1;
  if (share > o.threshold && !o.confirmed) return { action: 'needs_confirmation', share };
  return { action: 'deactivate', share };
}

/**
 * A DN in one comparable form: attribute types and values lower-cased, spaces around the separators of
 * RDNs removed; escaped characters (`\,` `\2C`) are kept as escapes, upper-case hex folded.
 */
export function dnKey(dn: string): string {
  const rdns: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      cur += c + dn[i + 1];
      i++;
    } else if (c === ',' || c === ';') {
      rdns.push(cur);
      cur = '';
    } else cur += c;
  }
  rdns.push(cur);
  return rdns
    .map((r) =>
      r
        .split('+')
        .map((ava) => {
          const eq = ava.indexOf('=');
          if (eq < 0) return ava.trim().toLowerCase();
          return `${ava.slice(0, eq).trim().toLowerCase()}=${ava
            .slice(eq + 1)
            .trim()
            .toLowerCase()}`;
        })
        .join('+'),
    )
    .join(',');
}

/** A manager reference: a DN (it has `=`) by its key, anything else is a sync id. */
export const managerKey = (ref: string): { dn: string } | { syncId: string } => (ref.includes('=') ? { dn: dnKey(ref) } : { syncId: ref });

/**
 * Second pass: who each synced contact reports to. `managers` answers the contact a reference names
 * (looked up by DN key or sync id, for the whole batch at once). Cycles need nothing special: each
 * contact only points at its manager. Unknown managers (outside the scope) and self-references clear
 * it. Answers only the contacts whose reports-to changes.
 */
export function planReportsTo(
  rows: readonly {
    contactId: string;
    syncId: string;
    managerRef: string | null;
    current: { contactId: string | null; syncId: string | null };
  }[],
  managers: (ref: string) => { contactId: string; syncId: string } | undefined,
): SyncedReportsTo[] {
  const out: SyncedReportsTo[] = [];
  for (const r of rows) {
    const m = r.managerRef ? managers(r.managerRef) : undefined;
    const after = m && m.contactId !== r.contactId ? { contactId: m.contactId, syncId: m.syncId } : { contactId: null, syncId: null };
    if (after.contactId !== r.current.contactId || after.syncId !== r.current.syncId) {
      out.push({ id: r.contactId, before: r.current, after });
    }
  }
  return out;
}
