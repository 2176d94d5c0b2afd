import type { Contact, ContactInput, ContactPage, HistoryEntry } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow, NewContactRow } from '../db/schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import { createAuditRepo } from '../audit/audit.repo.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { createContactsRepo } from './contacts.repo.ts';
import { fieldsToColumns, presentContact, rowToDirectory, rowToFields } from './contacts.presenter.ts';
import { applyContactInput, diffContacts, emptyContact, emptyDirectory, phonesE164, readOnlyViolations } from './contacts.rules.ts';

/** Above this many rows `total` is the planner's estimate (flagged), so listing stays fast. */
const EXACT_COUNT_CAP = 100_000;

function encodeCursor(id: string) {
  return Buffer.from(JSON.stringify({ id })).toString('base64url');
}
function decodeCursor(cursor: string): string {
  try {
    const { id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { id?: unknown };
    if (typeof id === 'string' && isUuid(id)) return id;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION', 'Invalid query', [{ path: 'cursor', message: 'Not a cursor this server issued' }]);
}

export interface ContactsHooks {
  /** Contacts that were deactivated, deleted or lost portal access: their portal sessions end in the same transaction. */
  onPortalAccessLost?: (teamId: string, contactIds: string[], tx: Executor) => Promise<unknown>;
}

export function createContactsService(deps: { db: Db; teams: TeamsService } & ContactsHooks) {
  const { db, teams } = deps;
  const repo = createContactsRepo(db);
  const audit = createAuditRepo(db);

  async function conflictError(teamId: string, email: string, exceptId?: string) {
    const other = await repo.findByPrimaryEmail(teamId, email);
    const name = other ? [other.firstName, other.lastName].filter(Boolean).join(' ') : '';
    const who = other && other.id !== exceptId ? `contact ${name ? `"${name}" ` : ''}(${other.id})` : 'another contact';
    return new AppError('CONFLICT', `The primary email ${email} already belongs to ${who}`, [
      { path: 'primaryEmail', message: `Already used by ${who}`, contactId: other?.id ?? null, contactName: name || null },
    ]);
  }

  const isPrimaryEmailConflict = (err: unknown) =>
    (err as { code?: string; constraint?: string }).code === '23505' &&
    (err as { constraint?: string }).constraint === 'contacts_team_primary_email_key';

  async function load(actor: Actor, id: string): Promise<ContactRow> {
    const row = isUuid(id) ? await repo.findById(actor.teamId, id) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Contact not found');
    return row;
  }

  return {
    async get(actor: Actor, id: string): Promise<Contact> {
      return presentContact(await load(actor, id));
    },

    async create(actor: Actor, input: ContactInput): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      const base = emptyContact();
      const ro = readOnlyViolations(input.directory, emptyDirectory(), input.companyId, null);
      const applied = applyContactInput(base, input);
      const details = [...ro, ...(applied.ok ? [] : applied.details)];
      if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      const fields = applied.value;
      try {
        return await db.transaction().execute(async (tx) => {
          const row = await repo.insert(
            { id: uuidv7(), teamId: actor.teamId, ...fieldsToColumns(fields, phonesE164(fields.phones, defaultPhoneRegion)) },
            tx,
          );
          await audit.record({ actor, entityType: 'contact', entityId: row.id, action: 'create', changes: diffContacts(null, fields) }, tx);
          return presentContact(row);
        });
      } catch (err) {
        if (isPrimaryEmailConflict(err)) throw await conflictError(actor.teamId, fields.primaryEmail!);
        throw err;
      }
    },

    /**
     * Creates many contacts in one statement per call (demo data, seeding). Each input is validated
     * like a single create; invalid ones are returned with their problems and the rest are written.
     */
    async createMany(actor: Actor, inputs: ContactInput[]): Promise<{ created: number; failed: { index: number; details: unknown }[] }> {
      requirePermission(actor, 'modifyContacts');
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      const failed: { index: number; details: unknown }[] = [];
      const rows: NewContactRow[] = [];
      const audits: { id: string; changes: ReturnType<typeof diffContacts> }[] = [];
      for (const [index, input] of inputs.entries()) {
        const applied = applyContactInput(emptyContact(), input);
        if (!applied.ok) {
          failed.push({ index, details: applied.details });
          continue;
        }
        const id = uuidv7();
        rows.push({ id, teamId: actor.teamId, ...fieldsToColumns(applied.value, phonesE164(applied.value.phones, defaultPhoneRegion)) });
        audits.push({ id, changes: diffContacts(null, applied.value) });
      }
      if (!rows.length) return { created: 0, failed };
      const created = await db.transaction().execute(async (tx) => {
        const inserted = await repo.insertMany(rows, tx);
        const ids = new Set(inserted);
        await audit.recordMany(
          actor,
          'contact',
          'create',
          audits.filter((a) => ids.has(a.id)),
          tx,
        );
        return inserted.length;
      });
      return { created, failed };
    },

    /** Applies a partial update; `expectedVersion` (from If-Match) makes it conditional. */
    async update(actor: Actor, id: string, input: ContactInput, expectedVersion: number | null): Promise<Contact> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'Contact not found');
      const { defaultPhoneRegion } = await teams.getSettings(actor.teamId);
      let attempted: string | null = null;
      try {
        return await db.transaction().execute(async (tx) => {
          const current = await repo.findById(actor.teamId, id, { forUpdate: true }, tx);
          if (!current) throw new AppError('NOT_FOUND', 'Contact not found');
          if (expectedVersion !== null && expectedVersion !== current.version) {
            throw new AppError(
              'PRECONDITION_FAILED',
              `The contact was changed by someone else (version ${current.version}, you sent ${expectedVersion}). Reload it and apply your change again.`,
              { currentVersion: current.version },
            );
          }
          const before = rowToFields(current);
          const ro = readOnlyViolations(input.directory, rowToDirectory(current), input.companyId, current.companyId);
          const applied = applyContactInput(before, input);
          const details = [...ro, ...(applied.ok ? [] : applied.details)];
          if (details.length || !applied.ok) throw new AppError('VALIDATION', 'Invalid contact', details);
          const changes = diffContacts(before, applied.value);
          if (Object.keys(changes).length === 0) return presentContact(current);
          attempted = applied.value.primaryEmail;
          const row = await repo.update(
            actor.teamId,
            id,
            fieldsToColumns(applied.value, phonesE164(applied.value.phones, defaultPhoneRegion)),
            tx,
          );
          await audit.record({ actor, entityType: 'contact', entityId: id, action: 'update', changes }, tx);
          const lost =
            (before.permissions.active && !applied.value.permissions.active) ||
            (before.permissions.portalAccess && !applied.value.permissions.portalAccess) ||
            (before.primaryEmail !== null && before.primaryEmail !== applied.value.primaryEmail);
          if (lost) await deps.onPortalAccessLost?.(actor.teamId, [id], tx);
          return presentContact(row!);
        });
      } catch (err) {
        if (isPrimaryEmailConflict(err) && attempted) throw await conflictError(actor.teamId, attempted, id);
        throw err;
      }
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requirePermission(actor, 'modifyContacts');
      if (!isUuid(id)) throw new AppError('NOT_FOUND', 'Contact not found');
      await db.transaction().execute(async (tx) => {
        const current = await repo.findById(actor.teamId, id, { forUpdate: true }, tx);
        if (!current) throw new AppError('NOT_FOUND', 'Contact not found');
        await repo.delete(actor.teamId, id, tx);
        await deps.onPortalAccessLost?.(actor.teamId, [id], tx);
        await audit.record(
          { actor, entityType: 'contact', entityId: id, action: 'delete', changes: diffContacts(rowToFields(current), null) },
          tx,
        );
      });
    },

    async list(actor: Actor, q: { limit: number; cursor?: string }): Promise<ContactPage> {
      const beforeId = q.cursor ? decodeCursor(q.cursor) : undefined;
      const [rows, count] = await Promise.all([
        repo.list(actor.teamId, { limit: q.limit + 1, beforeId }),
        repo.count(actor.teamId, EXACT_COUNT_CAP),
      ]);
      const items = rows.slice(0, q.limit);
      return {
        items: items.map(presentContact),
        nextCursor: rows.length > q.limit ? encodeCursor(items.at(-1)!.id) : null,
        total: count.total,
        totalIsEstimate: count.estimate,
      };
    },

    async history(
      actor: Actor,
      id: string,
      q: { limit: number; cursor?: string },
    ): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
      await load(actor, id);
      const beforeId = q.cursor && /^\d+$/.test(q.cursor) ? q.cursor : undefined;
      const rows = await audit.list(actor.teamId, 'contact', id, { limit: q.limit + 1, beforeId });
      const items = rows.slice(0, q.limit);
      return {
        items: items.map((r) => ({
          at: r.at.toISOString(),
          actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
          action: r.action,
          changes: r.changes as HistoryEntry['changes'],
        })),
        nextCursor: rows.length > q.limit ? String(items.at(-1)!.id) : null,
      };
    },
  };
}
export type ContactsService = ReturnType<typeof createContactsService>;
