// The one owner of writes to `contacts` and `audit_log`. The API, imports, the portal and the trash call
// these functions with their transaction and a batch; each function builds the columns (search columns
// included), bumps the version, writes one audit row per contact changed and applies the side effects
// (portal sessions end when a contact loses its primary email, is deactivated, loses portal access or goes
// to the trash). So the same change made by any path leaves the same row, history and sessions.
// Audit rows of other entities (team settings, members, tokens, exports, SSO) go through
// createAuditWriter, the only other way into `audit_log`.
import type { RawBuilder } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { Param } from '../db/text-statement.ts';
import type { ContactRow } from '../db/schema.ts';
import type { Actor } from '../auth/actor.ts';
import { contactColumns, fieldsToColumns, joinColumns, rowToFields, searchColumns } from './contacts.presenter.ts';
import { SEARCH_VERSION } from './search.rules.ts';
import { diffContacts, phonesE164, type ContactFields } from './contacts.rules.ts';
import { auditInsertSql, createCompanyLinkRepo, createContactWriterRepo, type AuditInsert } from './contacts-writer.repo.ts';
import { AppError } from '#shared/errors.ts';

export type Changes = Record<string, { before: unknown; after: unknown }>;

/** Who an audit row names: a member, a token, the system, or a contact acting in the portal. */
export interface AuditBy {
  teamId: string;
  type: 'member' | 'token' | 'system' | 'contact';
  id: string | null;
  label: string | null;
  requestId: string | null;
}

export const auditByActor = (actor: Actor): AuditBy => ({
  teamId: actor.teamId,
  type: actor.type === 'system' ? 'system' : actor.via === 'token' ? 'token' : 'member',
  id: actor.memberId,
  label: actor.label,
  requestId: actor.requestId ?? null,
});

/** A contact acting on their own record in the portal. */
export const auditByContact = (teamId: string, contact: Pick<ContactRow, 'id' | 'primaryEmail'>, requestId: string | null): AuditBy => ({
  teamId,
  type: 'contact',
  id: contact.id,
  label: contact.primaryEmail,
  requestId,
});

const isBy = (a: Actor | AuditBy): a is AuditBy => !('permissions' in a);
const byOf = (a: Actor | AuditBy): AuditBy => (isBy(a) ? a : auditByActor(a));

export function auditRow(by: Actor | AuditBy, entityType: string, entityId: string, action: string, changes: Changes): AuditInsert {
  const b = byOf(by);
  return {
    teamId: b.teamId,
    entityType,
    entityId,
    action,
    actorType: b.type,
    actorId: b.id,
    actorLabel: b.label,
    changes: JSON.stringify(changes),
    requestId: b.requestId,
  };
}

/** The audit log of non-contact entities (and the history read), with the shape services have always used. */
export function createAuditWriter(db: Executor) {
  const repo = createContactWriterRepo(db);
  return {
    async record(e: { actor: Actor | AuditBy; entityType: string; entityId: string; action: string; changes: Changes }, tx: Executor = db) {
      await repo.audit([auditRow(e.actor, e.entityType, e.entityId, e.action, e.changes)], tx);
    },
    async recordMany(
      actor: Actor | AuditBy,
      entityType: string,
      action: string,
      entries: { id: string; changes: Changes }[],
      tx: Executor = db,
    ) {
      await repo.audit(
        entries.map((e) => auditRow(actor, entityType, e.id, action, e.changes)),
        tx,
      );
    },
    /** The row `record` writes, as SQL to run inside the caller's own statement (a CTE), saving a round trip;
     *  with `onlyFor`, written only when the CTE of that name selects the entity's id (column `id`). */
    statement(
      e: { actor: Actor | AuditBy; entityType: string; entityId: string; action: string; changes: Changes },
      onlyFor?: string,
    ): RawBuilder<unknown> {
      return auditInsertSql([auditRow(e.actor, e.entityType, e.entityId, e.action, e.changes)], onlyFor);
    },
    /** Newest first; `beforeId` is the keyset cursor. */
    list: repo.listAudit,
  };
}
export type AuditWriter = ReturnType<typeof createAuditWriter>;

/** A new contact: its id and validated fields. */
export interface ContactCreate {
  id: string;
  fields: ContactFields;
  /** Who the contact reports to, for a contact no connection manages (absent: none). */
  reportsToContactId?: string | null;
  /** The company, set by hand (absent: the company of the primary email's domain, if any). */
  companyId?: string | null;
}

/** A change of a live contact: what it is now (as read in the caller's transaction) and what it becomes. */
export interface ContactChange {
  id: string;
  before: ContactFields;
  after: ContactFields;
  /** `diffContacts(before, after)` when the caller has it already (an import's plan); computed otherwise. */
  changes?: Changes;
  /** The derived columns as stored for `before`: E.164 is reused when the phones do not change, the search
   *  columns when none of the searchable fields does (and they were built by the current normaliser). */
  stored?: StoredDerived | null;
  /** A new reports-to contact (absent: unchanged); its history entry is the caller's, in `changes`. */
  reportsToContactId?: string | null;
  /** The company, set by hand (absent: a new primary email at a company's domain links to that company). */
  companyId?: string | null;
}
export type StoredDerived = Pick<
  ContactRow,
  'phonesE164' | 'searchText' | 'skLast' | 'skFirst' | 'skCompany' | 'skEmail' | 'searchVersion'
>;

/** The directory columns Contact Sync writes with a person's fields (the connection is the writer's argument). */
export interface SyncedDirectory {
  syncId: string;
  organizationId: string | null;
}
/** A person new to the team, from a directory. */
export interface SyncedCreate {
  id: string;
  fields: ContactFields;
  directory: SyncedDirectory;
  /** Who the person reports to, when their manager's contact is known already (else the second pass sets it). */
  reportsTo?: { contactId: string; syncId: string } | null;
}
/** A change of a live contact from a directory: its fields and directory columns as read, and what they become. */
export interface SyncedChange extends Omit<ContactChange, 'reportsToContactId'> {
  directoryBefore: { syncId: string | null; organizationId: string | null; connectionId: string | null };
  directory: SyncedDirectory;
}
/** Who a synced contact reports to, before and after (a contact id and the manager's directory sync id). */
export interface SyncedReportsTo {
  id: string;
  before: { contactId: string | null; syncId: string | null };
  after: { contactId: string | null; syncId: string | null };
}

/** Portal sessions end when the contact can no longer sign in with them. */
export function losesPortalAccess(before: ContactFields, after: ContactFields): boolean {
  return (
    (before.permissions.active && !after.permissions.active) ||
    (before.permissions.portalAccess && !after.permissions.portalAccess) ||
    (before.primaryEmail !== null && before.primaryEmail !== after.primaryEmail)
  );
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/**
 * E.164 forms of phones, memoised per distinct phone text and region (libphonenumber is the costliest step
 * of a row; an import's file repeats the same few formats and often the same numbers). Bounded: the cache
 * is dropped whole when it reaches its size.
 */
export function createE164Cache(max = 50_000) {
  const cache = new Map<string, string[]>();
  return (phones: Record<string, string>, region: string): string[] => {
    const values = Object.values(phones);
    if (!values.length) return [];
    const key = `${region}\u0000${values.join('\u0000')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const out = phonesE164(phones, region);
    if (cache.size >= max) cache.clear();
    cache.set(key, out);
    return out;
  };
}

/**
 * The company link step of the writer, one lookup per batch whatever its size: a contact created, or
 * whose primary email changes, is linked to the company of its email's domain; a company given by hand
 * wins (and must be one of the team's). A contact whose new email matches no company keeps its company.
 */
export function createCompanyLinker() {
  const repo = createCompanyLinkRepo();
  const domainOf = (email: string | null) => (email ? email.slice(email.lastIndexOf('@') + 1) : null);

  async function requireCompanies(tx: Executor, teamId: string, ids: (string | null | undefined)[]) {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    const found = await repo.existingCompanies(teamId, wanted, tx);
    if (wanted.some((id) => !found.has(id))) {
      throw new AppError('VALIDATION', 'Invalid contact', [{ path: 'companyId', message: 'No such company in this team' }]);
    }
  }

  return {
    /** The company of each new contact (null: none), in the order of `items`. */
    async forCreate(tx: Executor, teamId: string, items: readonly ContactCreate[]): Promise<(string | null)[]> {
      await requireCompanies(
        tx,
        teamId,
        items.map((i) => i.companyId),
      );
      const domains = new Set<string>();
      for (const i of items) if (i.companyId === undefined && i.fields.primaryEmail) domains.add(domainOf(i.fields.primaryEmail)!);
      const byDomain = await repo.companiesOfDomains(teamId, [...domains], tx);
      return items.map((i) =>
        i.companyId !== undefined ? i.companyId : i.fields.primaryEmail ? (byDomain.get(domainOf(i.fields.primaryEmail)!) ?? null) : null,
      );
    },
    /** The company changes of a batch of changes: id → { before, after } for the contacts whose company changes. */
    async forUpdate(
      tx: Executor,
      teamId: string,
      items: readonly ContactChange[],
    ): Promise<Map<string, { before: string | null; after: string | null }>> {
      const out = new Map<string, { before: string | null; after: string | null }>();
      const concerned = items.filter(
        (i) => i.companyId !== undefined || (i.after.primaryEmail !== null && i.after.primaryEmail !== i.before.primaryEmail),
      );
      if (!concerned.length) return out;
      await requireCompanies(
        tx,
        teamId,
        concerned.map((i) => i.companyId),
      );
      const domains = new Set<string>();
      for (const i of concerned) if (i.companyId === undefined) domains.add(domainOf(i.after.primaryEmail)!);
      const [byDomain, current] = await Promise.all([
        repo.companiesOfDomains(teamId, [...domains], tx),
        repo.companiesOfContacts(
          teamId,
          concerned.map((i) => i.id),
          tx,
        ),
      ]);
      for (const i of concerned) {
        const before = current.get(i.id) ?? null;
        const after = i.companyId !== undefined ? i.companyId : (byDomain.get(domainOf(i.after.primaryEmail)!) ?? before);
        if (after !== before) out.set(i.id, { before, after });
      }
      return out;
    },
    countLinkable: repo.countLinkable,
    /**
     * Links a batch of the team's unlinked contacts at `domains` to the company (a re-scan); answers how many.
     * `skipLocked`: contacts another transaction holds are left for a later batch (so batches can run side by side).
     */
    linkBatch(
      tx: Executor,
      by: Actor | AuditBy,
      companyId: string,
      domains: readonly string[],
      limit: number,
      o: { skipLocked?: boolean } = {},
    ) {
      const b = byOf(by);
      const audit = auditRow(b, 'contact', '00000000-0000-0000-0000-000000000000', 'update', {
        companyId: { before: null, after: companyId },
      });
      return repo.linkBatch(b.teamId, companyId, domains, limit, audit, tx, o);
    },
    /** Unlinks every contact of a company that goes away; answers how many. */
    unlinkAll(tx: Executor, by: Actor | AuditBy, companyId: string) {
      const b = byOf(by);
      const audit = auditRow(b, 'contact', '00000000-0000-0000-0000-000000000000', 'update', {
        companyId: { before: companyId, after: null },
      });
      return repo.unlinkAll(b.teamId, companyId, audit, tx);
    },
  };
}
export type CompanyLinker = ReturnType<typeof createCompanyLinker>;

export function createContactWriter(db: Executor) {
  const repo = createContactWriterRepo(db);
  const e164 = createE164Cache();
  const companies = createCompanyLinker();

  const columnsOf = (fields: ContactFields, region: string) => fieldsToColumns(fields, e164(fields.phones, region));

  /** The columns of a change: what the stored row already derived is reused when its inputs did not change. */
  function changedColumns(c: ContactChange, region: string) {
    const { before: b, after: a, stored } = c;
    if (!stored?.phonesE164 || !sameMap(b.phones, a.phones)) return columnsOf(a, region);
    const searchSame =
      stored.searchVersion === SEARCH_VERSION &&
      b.firstName === a.firstName &&
      b.lastName === a.lastName &&
      b.company === a.company &&
      b.primaryEmail === a.primaryEmail &&
      sameMap(b.emails, a.emails);
    if (!searchSame) return fieldsToColumns(a, stored.phonesE164);
    const { searchText, skLast, skFirst, skCompany, skEmail, searchVersion } = stored;
    return joinColumns({ searchText, skLast, skFirst, skCompany, skEmail, searchVersion }, contactColumns(a, stored.phonesE164));
  }

  return {
    /**
     * New contacts with a 'create' audit row each. `skipTakenEmails`: a contact whose primary email is taken
     * is left out (answered by its absence); otherwise it fails the statement with a unique violation.
     */
    async create(
      tx: Executor,
      by: Actor | AuditBy,
      items: readonly ContactCreate[],
      o: { region: string; skipTakenEmails?: boolean; returnRows?: boolean },
    ): Promise<ContactRow[]> {
      const b = byOf(by);
      // a bulk statement writes rows of the same columns: the reports-to column is written for all or none
      const withReports = items.some((i) => i.reportsToContactId);
      const companyOf = await companies.forCreate(tx, b.teamId, items);
      const rows = items.map((i, n) => ({
        id: i.id,
        teamId: b.teamId,
        ...columnsOf(i.fields, o.region),
        ...(withReports ? { reportsToContactId: i.reportsToContactId ?? null } : {}),
        companyId: companyOf[n],
      }));
      const audit = items.map((i, n) => {
        // a fresh object: added to in place (a copy of every new contact's twenty entries was a bulk import's cost)
        const changes: Changes = diffContacts(null, i.fields);
        if (i.reportsToContactId) changes['directory.reportsToContactId'] = { before: null, after: i.reportsToContactId };
        if (companyOf[n]) changes.companyId = { before: null, after: companyOf[n] };
        return auditRow(b, 'contact', i.id, 'create', changes);
      });
      return repo.insert(rows, audit, o, tx);
    },

    /**
     * Changes of live contacts: columns, version + 1, an 'update' audit row with the field differences, and
     * the portal sessions of contacts that lose access ended. Changes that change nothing are not written.
     * Answers the rows written (all columns with `returnRows`, else only ids).
     */
    async update(tx: Executor, by: Actor | AuditBy, items: readonly ContactChange[], o: { region: string; returnRows?: boolean }) {
      const b = byOf(by);
      // a bulk statement writes rows of the same columns: changes with a reports-to contact, and changes
      // of the company, go in statements of their own
      const companyChanges = await companies.forUpdate(tx, b.teamId, items);
      const groupOf = new Map<string, { rows: Record<string, unknown>[]; audit: AuditInsert[]; lost: string[] }>();
      for (const i of items) {
        const company = companyChanges.get(i.id);
        const diff = i.changes ?? diffContacts(i.before, i.after);
        const changes = company ? { ...diff, companyId: company } : diff;
        if (!Object.keys(changes).length) continue;
        const key = `${i.reportsToContactId === undefined ? 0 : 1}${company ? 1 : 0}`;
        let g = groupOf.get(key);
        if (!g) groupOf.set(key, (g = { rows: [], audit: [], lost: [] }));
        g.rows.push({
          id: i.id,
          ...changedColumns(i, o.region),
          ...(i.reportsToContactId === undefined ? {} : { reportsToContactId: i.reportsToContactId }),
          ...(company ? { companyId: company.after } : {}),
        });
        g.audit.push(auditRow(b, 'contact', i.id, 'update', changes));
        if (losesPortalAccess(i.before, i.after)) g.lost.push(i.id);
      }
      const groups = [...groupOf.values()];
      const out: ContactRow[] = [];
      for (const g of groups) out.push(...(await repo.update(b.teamId, g.rows, g.audit, g.lost, o, tx)));
      return out;
    },

    /**
     * Contact Sync's write of one batch of people of a connection, keyed by (team, directory sync id): new
     * people are inserted with their sync id, organisation and connection; changed people get their new
     * fields and directory columns with version + 1. One audit row per contact written ('create' or
     * 'update', the directory columns included), the portal sessions of people who lose access ended, all
     * in set-based statements. People whose change changes nothing are not written (no version, no audit).
     * A new person whose primary email a live contact took meanwhile is left out: answered in `skipped`.
     */
    async writeSynced(
      tx: Executor,
      by: Actor | AuditBy,
      connectionId: string,
      items: { creates: readonly SyncedCreate[]; changes: readonly SyncedChange[] },
      o: { region: string },
    ): Promise<{ created: string[]; updated: string[]; skipped: string[] }> {
      const b = byOf(by);
      const dirCols = (d: SyncedDirectory) => ({
        directorySyncId: d.syncId,
        directoryConnectionId: connectionId,
        directoryOrganizationId: d.organizationId,
      });
      const dirChanges = (before: SyncedChange['directoryBefore'], after: SyncedDirectory): Changes => {
        const out: Changes = {};
        if (before.syncId !== after.syncId) out['directory.syncId'] = { before: before.syncId, after: after.syncId };
        if (before.connectionId !== connectionId) out['directory.connectionId'] = { before: before.connectionId, after: connectionId };
        if (before.organizationId !== after.organizationId) {
          out['directory.organizationId'] = { before: before.organizationId, after: after.organizationId };
        }
        return out;
      };
      const newRows = items.creates.map((i) => ({
        id: i.id,
        teamId: b.teamId,
        ...columnsOf(i.fields, o.region),
        ...dirCols(i.directory),
        reportsToContactId: i.reportsTo?.contactId ?? null,
        reportsToSyncId: i.reportsTo?.syncId ?? null,
      }));
      const newAudit = items.creates.map((i) =>
        auditRow(b, 'contact', i.id, 'create', {
          ...diffContacts(null, i.fields),
          ...dirChanges({ syncId: null, organizationId: null, connectionId: null }, i.directory),
          ...(i.reportsTo
            ? {
                'directory.reportsToContactId': { before: null, after: i.reportsTo.contactId },
                'directory.reportsToSyncId': { before: null, after: i.reportsTo.syncId },
              }
            : {}),
        }),
      );
      const inserted = await repo.insert(newRows, newAudit, { skipTakenEmails: true }, tx);
      const createdSet = new Set(inserted.map((r) => r.id));

      const rows: Record<string, unknown>[] = [];
      const audit: AuditInsert[] = [];
      const lost: string[] = [];
      for (const c of items.changes) {
        const changes = { ...(c.changes ?? diffContacts(c.before, c.after)), ...dirChanges(c.directoryBefore, c.directory) };
        if (!Object.keys(changes).length) continue;
        rows.push({ id: c.id, ...changedColumns(c, o.region), ...dirCols(c.directory) });
        audit.push(auditRow(b, 'contact', c.id, 'update', changes));
        if (losesPortalAccess(c.before, c.after)) lost.push(c.id);
      }
      const updated = await repo.update(b.teamId, rows, audit, lost, {}, tx);
      return {
        created: inserted.map((r) => r.id),
        updated: updated.map((r) => r.id),
        skipped: items.creates.filter((i) => !createdSet.has(i.id)).map((i) => i.id),
      };
    },

    /**
     * One new synced person (SCIM's create) in one statement: the contact with its sync id, organisation
     * and connection and its 'create' audit row, as writeSynced writes them, plus the caller's CTEs (its
     * own tables) in the same statement — written only when `guard` holds and no live contact of the team
     * holds the primary email, all or nothing. The caller's parts are SQL text with placeholders from `p`
     * (the statement is sent as text: see the repo's insertOneWith). Answers the rows of `answer` (none:
     * nothing written).
     */
    async createSyncedOne<T>(
      tx: Executor,
      by: Actor | AuditBy,
      connectionId: string,
      item: SyncedCreate,
      o: { region: string },
      w: (p: Param) => { guard: string; alongside: string; answer: string },
    ): Promise<T[]> {
      const b = byOf(by);
      const row = {
        id: item.id,
        teamId: b.teamId,
        ...columnsOf(item.fields, o.region),
        directorySyncId: item.directory.syncId,
        directoryConnectionId: connectionId,
        directoryOrganizationId: item.directory.organizationId,
      };
      // the same audit changes as writeSynced's for a new person
      const changes: Changes = { ...diffContacts(null, item.fields) };
      if (item.directory.syncId !== null) changes['directory.syncId'] = { before: null, after: item.directory.syncId };
      changes['directory.connectionId'] = { before: null, after: connectionId };
      if (item.directory.organizationId !== null) {
        changes['directory.organizationId'] = { before: null, after: item.directory.organizationId };
      }
      return repo.insertOneWith<T>(row, auditRow(b, 'contact', item.id, 'create', changes), w, tx);
    },

    /**
     * A Contact Sync connection is deleted: its contacts stay, as ordinary contacts anyone may edit (their
     * connection link removed, their sync id kept), version + 1 and an audit row each. Answers how many.
     */
    unlinkSyncConnection(tx: Executor, by: Actor | AuditBy, connectionId: string): Promise<number> {
      const b = byOf(by);
      const audit = auditRow(b, 'contact', '00000000-0000-0000-0000-000000000000', 'update', {
        'directory.connectionId': { before: connectionId, after: null },
      });
      return repo.unlinkConnection(b.teamId, connectionId, audit, tx);
    },

    /**
     * Contact Sync's second pass: who each synced contact reports to (a contact id and the manager's sync
     * id; cycles are allowed). Version + 1 and an 'update' audit row per contact whose reports-to changes.
     */
    async setSyncedReportsTo(tx: Executor, by: Actor | AuditBy, items: readonly SyncedReportsTo[]): Promise<string[]> {
      const b = byOf(by);
      const todo = items.filter((i) => i.before.contactId !== i.after.contactId || i.before.syncId !== i.after.syncId);
      const rows = todo.map((i) => ({ id: i.id, reportsToContactId: i.after.contactId, reportsToSyncId: i.after.syncId }));
      const audit = todo.map((i) => {
        const changes: Changes = {};
        if (i.before.contactId !== i.after.contactId) {
          changes['directory.reportsToContactId'] = { before: i.before.contactId, after: i.after.contactId };
        }
        if (i.before.syncId !== i.after.syncId) changes['directory.reportsToSyncId'] = { before: i.before.syncId, after: i.after.syncId };
        return auditRow(b, 'contact', i.id, 'update', changes);
      });
      return (await repo.update(b.teamId, rows, audit, [], {}, tx)).map((r) => r.id);
    },

    /**
     * Who live contacts report to, moved by a merge (the contacts reporting to a merged contact report to the
     * survivor) or put back by its undo: version + 1 and an 'update' audit row per contact whose reports-to
     * changes. Answers the rows written.
     */
    async setReportsTo(
      tx: Executor,
      by: Actor | AuditBy,
      items: readonly { id: string; before: string | null; after: string | null }[],
    ): Promise<ContactRow[]> {
      const b = byOf(by);
      const todo = items.filter((i) => i.before !== i.after);
      const rows = todo.map((i) => ({ id: i.id, reportsToContactId: i.after }));
      const audit = todo.map((i) =>
        auditRow(b, 'contact', i.id, 'update', { 'directory.reportsToContactId': { before: i.before, after: i.after } }),
      );
      return repo.update(b.teamId, rows, audit, [], { returnRows: true }, tx);
    },

    /**
     * Deactivates live synced contacts that left their connection's scope (never deletes them): version + 1,
     * an 'update' audit row each, portal sessions ended. Those already inactive are left alone. Answers the ids changed.
     */
    async deactivateSynced(tx: Executor, by: Actor | AuditBy, ids: readonly string[]): Promise<string[]> {
      const b = byOf(by);
      const rows = await repo.setFlags(
        b.teamId,
        ids,
        { kind: 'active', active: false },
        (changed) => changed.map((id) => auditRow(b, 'contact', id, 'update', { 'permissions.active': { before: true, after: false } })),
        { endSessions: true },
        tx,
      );
      return rows.map((r) => r.id);
    },

    /** Activates or deactivates live contacts among `ids` (those already so are left alone). Answers the ids changed. */
    async setActive(tx: Executor, actor: Actor, ids: readonly string[], active: boolean): Promise<string[]> {
      const rows = await repo.setFlags(
        actor.teamId,
        ids,
        { kind: 'active', active },
        (changed) =>
          changed.map((id) => auditRow(actor, 'contact', id, 'update', { 'permissions.active': { before: !active, after: active } })),
        { endSessions: !active },
        tx,
      );
      return rows.map((r) => r.id);
    },

    /** First successful portal sign-in: the contact becomes verified (version + 1, in the history as the contact's). */
    async markVerified(tx: Executor, by: AuditBy, contactId: string, at: Date): Promise<{ version: number } | null> {
      const [row] = await repo.setFlags(
        by.teamId,
        [contactId],
        { kind: 'verified', at },
        (changed) =>
          changed.map((id) =>
            auditRow(by, 'contact', id, 'portal.verified', { portalVerifiedAt: { before: null, after: at.toISOString() } }),
          ),
        { endSessions: false, returnRows: true },
        tx,
      );
      return row ? { version: row.version } : null;
    },

    /** The contact's own email preferences, as a change by the contact. Answers the row (unchanged: undefined). */
    async setNotifications(tx: Executor, by: AuditBy, current: ContactRow, notifications: ContactFields['notifications']) {
      const before = rowToFields(current);
      const after = { ...before, notifications };
      const changes = diffContacts(before, after);
      if (!Object.keys(changes).length) return undefined;
      const n = notifications;
      const [row] = await repo.setFlags(
        by.teamId,
        [current.id],
        { kind: 'notifications', n },
        (changed) => changed.map((id) => auditRow(by, 'contact', id, 'update', changes)),
        { endSessions: false, returnRows: true },
        tx,
      );
      return row;
    },

    /** Moves live contacts (locked by the caller) to the trash: a 'delete' audit row each with what was there; sessions end. */
    async trash(tx: Executor, actor: Actor, rows: readonly ContactRow[]): Promise<string[]> {
      const moved = new Set(
        await repo.moveToTrash(
          actor.teamId,
          rows.map((r) => r.id),
          tx,
        ),
      );
      await repo.audit(
        rows.filter((r) => moved.has(r.id)).map((r) => auditRow(actor, 'contact', r.id, 'delete', diffContacts(rowToFields(r), null))),
        tx,
      );
      return [...moved];
    },

    /**
     * A merge of contacts (locked by the caller) into a survivor: the merged contacts go to the trash marked
     * with their survivor (no version bump, their portal sessions end, a 'merge' audit row each naming the
     * survivor), then the survivor becomes `after` with `companyId` (version + 1, one 'merge' audit row with
     * the field differences and the merged ids; its sessions end if it loses its primary email). The caller
     * moves the rows of other tables. Answers the survivor as written.
     */
    async merge(
      tx: Executor,
      by: Actor | AuditBy,
      m: { survivor: ContactRow; merged: readonly ContactRow[]; after: ContactFields; companyId: string | null; mergeId: string },
      o: { region: string },
    ): Promise<ContactRow> {
      const b = byOf(by);
      const ids = m.merged.map((r) => r.id);
      const moved = await repo.moveMergedToTrash(b.teamId, ids, m.survivor.id, tx);
      if (moved.length !== ids.length) throw new Error('a merged contact left the directory while it was locked');
      await repo.audit(
        m.merged.map((r) =>
          auditRow(b, 'contact', r.id, 'merge', {
            mergedInto: { before: null, after: m.survivor.id },
            mergeId: { before: null, after: m.mergeId },
          }),
        ),
        tx,
      );
      const before = rowToFields(m.survivor);
      const changes: Changes = { ...diffContacts(before, m.after) };
      if (m.companyId !== m.survivor.companyId) changes.companyId = { before: m.survivor.companyId, after: m.companyId };
      changes.mergedContacts = { before: null, after: ids };
      changes.mergeId = { before: null, after: m.mergeId };
      const id = m.survivor.id;
      const row = { id, ...changedColumns({ id, before, after: m.after, stored: m.survivor }, o.region), companyId: m.companyId };
      const [written] = await repo.update(
        b.teamId,
        [row],
        [auditRow(b, 'contact', id, 'merge', changes)],
        losesPortalAccess(before, m.after) ? [id] : [],
        { returnRows: true },
        tx,
      );
      if (!written) throw new Error('the survivor of a merge left the directory while it was locked');
      return written;
    },

    /**
     * Undoes a merge: the survivor, then the merged contacts, become byte-identical to the snapshot taken
     * before the merge (`row_to_json` rows as JSON text; every column, version and timestamps included); the
     * survivor's portal sessions end (who signs in as it may change back). A 'merge.undo' audit row each.
     * A primary email taken meanwhile by another live contact fails the statement with a unique violation.
     */
    async undoMerge(
      tx: Executor,
      by: Actor | AuditBy,
      u: { survivorId: string; mergedIds: readonly string[]; snapshots: string; mergeId: string },
    ): Promise<ContactRow[]> {
      const b = byOf(by);
      const survivor = await repo.restoreSnapshots(b.teamId, u.snapshots, [u.survivorId], [u.survivorId], tx);
      const merged = await repo.restoreSnapshots(b.teamId, u.snapshots, u.mergedIds, [], tx);
      const rows = [...survivor, ...merged];
      await repo.audit(
        rows.map((r) => auditRow(b, 'contact', r.id, 'merge.undo', { mergeId: { before: u.mergeId, after: null } })),
        tx,
      );
      return rows;
    },

    /** Restores trashed contacts (version + 1, a 'restore' audit row each). The caller checked their emails are free. */
    async restore(tx: Executor, actor: Actor, ids: readonly string[]): Promise<ContactRow[]> {
      const restored = await repo.restore(actor.teamId, ids, tx);
      await repo.audit(
        restored.map((r) => auditRow(actor, 'contact', r.id, 'restore', {})),
        tx,
      );
      return restored;
    },

    /** Erases trashed contacts (locked by the caller), with a 'purge' audit row each holding what was erased. */
    async purge(tx: Executor, actor: Actor, rows: readonly ContactRow[]): Promise<string[]> {
      const purged = new Set(
        await repo.purge(
          actor.teamId,
          rows.map((r) => r.id),
          tx,
        ),
      );
      await repo.audit(
        rows.filter((r) => purged.has(r.id)).map((r) => auditRow(actor, 'contact', r.id, 'purge', diffContacts(rowToFields(r), null))),
        tx,
      );
      return [...purged];
    },

    /** Erases, in every team, contacts in the trash since before `before` (a batch); the system's 'purge' audit rows. */
    async purgeExpired(tx: Executor, before: Date, batch: number, label: string): Promise<number> {
      const rows = await repo.purgeTrashedBefore(before, batch, tx);
      await repo.audit(
        rows.map((r) => auditRow({ teamId: r.teamId, type: 'system', id: null, label, requestId: null }, 'contact', r.id, 'purge', {})),
        tx,
      );
      return rows.length;
    },

    /** Recomputes the derived search columns of a row (a newer normaliser): not a change, no version or audit. */
    async refreshSearch(tx: Executor, row: ContactRow): Promise<void> {
      await repo.setSearchColumns(row.id, searchColumns(rowToFields(row), row.phonesE164), tx);
    },
  };
}
export type ContactWriter = ReturnType<typeof createContactWriter>;
