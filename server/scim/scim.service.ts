// SCIM 2.0 provisioning (/scim/v2) into a Contact Sync connection of source `scim`. The identity provider
// pushes people; each write is one transaction that maps the User with the connection's mapping (the same
// applyMapping and reconcile a directory run uses), writes the contact through the contact writer
// (writeSynced / setSyncedReportsTo / deactivateSynced), keeps the User as sent (GET answers it back) and
// logs the person's outcome in the connection's runs.
//
// The log: a SCIM connection has no runs of its own, so its operations are grouped into runs by burst —
// a run (trigger "scim") stays open while operations keep coming (less than SCIM_RUN_IDLE_SECONDS apart,
// at most SCIM_RUN_MAX_PEOPLE people) and a pause starts the next one. Entra provisions in cycles (every
// ~40 minutes), so one run is one provisioning cycle, with one entry per person as for a directory run: a
// person touched twice in a cycle keeps one entry (created stays created; the changes add up).
//
// Tokens: one bearer token per connection, `kscim_<random>`, shown once (create / rotate) and stored as
// its SHA-256 like API tokens; it names the team and the connection. A draft connection refuses (403).
import { randomBytes } from 'node:crypto';
import { AppError } from '#shared/errors.ts';
import type { SyncMapping } from '#shared/sync.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { hashSecret } from '../auth/secrets.ts';
import { rowToDirectory, rowToFields } from '../contacts/contacts.presenter.ts';
import { createAuditWriter, createContactWriter, type AuditBy } from '../contacts/contacts.writer.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import { applyMapping } from '../sync/mapping.rules.ts';
import { reconcile, type StoredContact } from '../sync/sync-run.rules.ts';
import type { DirectoryEntry } from '../sync/source.ts';
import { readSettings } from '../teams/teams.rules.ts';
import { createScimRepo, type EntryOutcome, type ScimTokenOwner, type ScimUserRow } from './scim.repo.ts';
import {
  applyPatch,
  flattenUser,
  normalizeUser,
  parseFilter,
  parsePatch,
  SCIM_ENTERPRISE,
  SCIM_LIST,
  SCIM_MAX_RESULTS,
  SCIM_USER,
  ScimError,
  type ScimResource,
} from './scim.rules.ts';

/** A pause this long between operations starts a new run in the connection's log. */
export const SCIM_RUN_IDLE_SECONDS = 15 * 60;
/** A run of the log holds at most this many people (the next operation starts a new one). */
export const SCIM_RUN_MAX_PEOPLE = 50_000;
const TOKEN_PREFIX = 'kscim_';
/**
 * How long a web worker keeps a token's connection (its team, mapping, status and the team's phone region)
 * without reading it again. A token rotated, a connection disabled, changed or deleted is seen at once by
 * the worker that made the change, and by every other worker within this time.
 */
export const SCIM_TOKEN_CACHE_MS = 5_000;
/** At most this many tokens are kept per worker (the oldest are dropped first). */
const SCIM_TOKEN_CACHE_MAX = 1_000;

/** Who calls /scim/v2: the connection the bearer token belongs to. */
export interface ScimCaller {
  connectionId: string;
  teamId: string;
  name: string;
  mapping: SyncMapping;
  region: string;
  requestId: string | null;
}

interface PersonResult {
  outcome: EntryOutcome;
  contactId: string | null;
  name: string | null;
  email: string | null;
  reason: string | null;
  changes: Record<string, unknown> | null;
}

const storedOf = (r: ContactRow): StoredContact => ({ id: r.id, fields: rowToFields(r), directory: rowToDirectory(r), stored: r });
const nameOf = (f: { firstName: string | null; lastName: string | null }) => [f.firstName, f.lastName].filter(Boolean).join(' ') || null;
const notFound = (id: string) => new ScimError(404, null, `User ${id} not found`);

export const newScimToken = () => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export function createScimService(deps: { db: Db; now?: () => number; tokenCacheMs?: number }) {
  const { db } = deps;
  const clock = deps.now ?? Date.now;
  const cacheMs = deps.tokenCacheMs ?? SCIM_TOKEN_CACHE_MS;
  // token hash → the caller it names (or the refusal it gets), until `until`; `epoch` moves on every
  // invalidation so that a read which started before one is not cached after it
  const tokens = new Map<string, { until: number; connectionId: string | null; caller: Omit<ScimCaller, 'requestId'> | ScimError }>();
  let epoch = 0;
  const repo = createScimRepo(db);
  const writer = createContactWriter(db);
  const audit = createAuditWriter(db);

  const byOf = (c: ScimCaller): AuditBy => ({
    teamId: c.teamId,
    type: 'system',
    id: null,
    label: `SCIM (Contact Sync: ${c.name})`,
    requestId: c.requestId,
  });

  /** The person's contact after the User: created, updated, unchanged, deactivated, or a conflict / failure. */
  async function writePerson(tx: Executor, c: ScimCaller, syncId: string, user: ScimResource, fresh = false): Promise<PersonResult> {
    const entry: DirectoryEntry = {
      syncId,
      dn: String(user.userName),
      attributes: flattenUser(user),
      disabled: user.active === false,
      changeMarker: null,
    };
    const first = applyMapping(entry, c.mapping);
    const rows = await repo.contactsFor(c.teamId, syncId, first.fields.primaryEmail, tx);
    const bySyncId = new Map<string, StoredContact>();
    const byEmail = new Map<string, StoredContact>();
    for (const r of rows) {
      if (r.directorySyncId === syncId) {
        const had = bySyncId.get(syncId);
        if (!had || r.directoryConnectionId === c.connectionId) bySyncId.set(syncId, storedOf(r));
      }
      if (r.primaryEmail && r.primaryEmail === first.fields.primaryEmail) byEmail.set(r.primaryEmail, storedOf(r));
    }
    let managerId: string | null = null;
    const [out] = reconcile([entry], {
      connectionId: c.connectionId,
      bySyncId,
      byEmail,
      newId: uuidv7,
      apply: (e, base) => {
        const m = base ? applyMapping(e, c.mapping, base) : first;
        managerId = m.reportsToDn;
        return m;
      },
    });
    if (!out) throw new Error('reconcile answered nothing');
    if (out.kind === 'conflict' || out.kind === 'failed') {
      const f = bySyncId.get(syncId)?.fields ?? first.fields;
      return {
        outcome: out.kind,
        contactId: out.contactId,
        name: nameOf(f),
        email: first.fields.primaryEmail,
        reason: out.reason,
        changes: null,
      };
    }
    const by = byOf(c);
    let outcome: EntryOutcome = out.kind === 'create' ? 'created' : out.kind === 'update' ? 'updated' : 'unchanged';
    let changes: Record<string, unknown> | null = out.kind === 'update' ? out.changes : null;
    let fields = out.kind === 'create' ? out.fields : out.kind === 'update' ? out.after : bySyncId.get(syncId)!.fields;
    if (out.kind === 'create' || out.kind === 'update') {
      const w = await writer.writeSynced(
        tx,
        by,
        c.connectionId,
        out.kind === 'create'
          ? { creates: [{ id: out.contactId, fields: out.fields, directory: { syncId, organizationId: out.organizationId } }], changes: [] }
          : {
              creates: [],
              changes: [
                {
                  id: out.contactId,
                  before: out.current.fields,
                  after: out.after,
                  stored: out.current.stored,
                  directoryBefore: {
                    syncId: out.current.directory.syncId,
                    organizationId: out.current.directory.organizationId,
                    connectionId: out.current.directory.connectionId,
                  },
                  directory: { syncId, organizationId: out.organizationId },
                },
              ],
            },
        { region: c.region },
      );
      if (w.skipped.length) {
        return {
          outcome: 'conflict',
          contactId: null,
          name: nameOf(out.kind === 'create' ? out.fields : out.after),
          email: first.fields.primaryEmail,
          reason: `${first.fields.primaryEmail} belongs to another contact`,
          changes: null,
        };
      }
      if (out.kind === 'update' && out.current.fields.permissions.active && !out.after.permissions.active) outcome = 'deactivated';
    }
    if (c.mapping.reportsTo) {
      // who the person reports to: the manager's contact when provisioned, else kept as the manager's id
      const before =
        out.kind === 'create'
          ? { contactId: null, syncId: null }
          : (() => {
              const d = (out.kind === 'update' ? out.current : bySyncId.get(syncId)!).directory;
              return { contactId: d.reportsToContactId, syncId: d.reportsToSyncId };
            })();
      const wanted = managerId as string | null;
      const after = {
        syncId: wanted,
        contactId:
          wanted === null
            ? null
            : before.syncId === wanted && before.contactId
              ? before.contactId
              : await repo.contactOf(c.teamId, c.connectionId, wanted, tx),
      };
      if (before.contactId !== after.contactId || before.syncId !== after.syncId) {
        await writer.setSyncedReportsTo(tx, by, [{ id: out.contactId, before, after }]);
        if (outcome === 'unchanged') outcome = 'updated';
        changes = { ...(changes ?? {}), 'directory.reportsToSyncId': { before: before.syncId, after: after.syncId } };
      }
      if (out.kind === 'create' && !fresh) {
        // people provisioned before their manager (an id seen before: a user provisioned again) report to the
        // new contact now; a fresh id is unknown to everyone, so nobody can wait for it
        const waiting = await repo.waitingFor(c.teamId, c.connectionId, syncId, tx);
        if (waiting.length) {
          await writer.setSyncedReportsTo(
            tx,
            by,
            waiting.map((wt) => ({ id: wt.id, before: { contactId: null, syncId }, after: { contactId: out.contactId, syncId } })),
          );
        }
      }
    }
    fields = fields ?? first.fields;
    return {
      outcome,
      contactId: out.contactId,
      name: nameOf(fields),
      email: fields.primaryEmail,
      reason: out.kind === 'update' ? out.reason : null,
      changes,
    };
  }

  /** The person's outcome in the connection's current run (a new run after a pause). */
  async function log(tx: Executor, c: ScimCaller, syncId: string, userName: string | null, r: PersonResult) {
    const e = {
      syncId,
      dn: userName,
      outcome: r.outcome,
      contactId: r.contactId,
      name: r.name,
      email: r.email,
      reason: r.reason,
      changes: r.changes,
    };
    const run = { connectionId: c.connectionId, teamId: c.teamId };
    if (!(await repo.logEntry({ ...run, idleSeconds: SCIM_RUN_IDLE_SECONDS, maxPeople: SCIM_RUN_MAX_PEOPLE }, e, tx))) {
      await repo.startRun({ ...run, id: uuidv7() }, e, tx);
    }
  }

  /** A conflict or failure answered as SCIM's error (after it is logged). */
  function refusal(r: PersonResult): ScimError {
    if (r.outcome === 'conflict') return new ScimError(409, 'uniqueness', r.reason ?? 'The user conflicts with another contact');
    return new ScimError(400, 'invalidValue', r.reason ?? 'The user cannot be provisioned');
  }

  /** Runs `work` in a transaction; a refusal it returns is committed (its log entry kept) and then thrown. */
  async function write<T>(work: (tx: Executor) => Promise<T | { refused: ScimError }>): Promise<T> {
    const r = await db.transaction().execute(work);
    if (r && typeof r === 'object' && 'refused' in r) throw (r as { refused: ScimError }).refused;
    return r as T;
  }

  const userFields = (u: ScimResource) => ({
    userName: String(u.userName),
    externalId: typeof u.externalId === 'string' ? u.externalId : null,
    resource: u,
    active: u.active !== false,
  });

  async function assertUserNameFree(tx: Executor, c: ScimCaller, row: ScimUserRow, next: ScimResource) {
    if (
      String(next.userName).toLowerCase() !== row.userName.toLowerCase() &&
      (await repo.userNameTaken(c.connectionId, String(next.userName), row.id, tx))
    ) {
      throw new ScimError(409, 'uniqueness', `userName "${String(next.userName)}" is taken by another user`);
    }
  }

  /**
   * The usual create in one statement (no transaction needed): a userName never seen on the connection, an
   * email no live contact has and no manager to look up — what writePerson does for a person no contact
   * matches, with the User stored and the 'created' entry logged in the same statement. Undefined when it
   * does not apply or the statement wrote nothing (a name or email taken, also meanwhile): then the
   * transaction of `create` decides, as for any other create.
   */
  async function freshCreate(c: ScimCaller, user: ScimResource): Promise<ScimUserRow | undefined> {
    const id = uuidv7();
    const entry: DirectoryEntry = {
      syncId: id,
      dn: String(user.userName),
      attributes: flattenUser(user),
      disabled: user.active === false,
      changeMarker: null,
    };
    const m = applyMapping(entry, c.mapping);
    if (c.mapping.reportsTo && m.reportsToDn !== null) return undefined;
    const [out] = reconcile([entry], {
      connectionId: c.connectionId,
      bySyncId: new Map(),
      byEmail: new Map(),
      newId: uuidv7,
      apply: () => m,
    });
    if (!out || out.kind !== 'create') return undefined;
    const parts = repo.freshCreate(
      { connectionId: c.connectionId, teamId: c.teamId, id, ...userFields(user) },
      { newRunId: uuidv7(), idleSeconds: SCIM_RUN_IDLE_SECONDS, maxPeople: SCIM_RUN_MAX_PEOPLE },
      {
        syncId: id,
        dn: String(user.userName),
        outcome: 'created',
        contactId: out.contactId,
        name: nameOf(out.fields),
        email: out.fields.primaryEmail,
        reason: null,
        changes: null,
      },
    );
    try {
      const [row] = await writer.createSyncedOne<ScimUserRow>(
        db,
        byOf(c),
        c.connectionId,
        { id: out.contactId, fields: out.fields, directory: { syncId: id, organizationId: out.organizationId } },
        { region: c.region },
        parts,
      );
      return row;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return undefined;
      throw err;
    }
  }

  /** PUT and PATCH: the stored User becomes `next`. */
  async function update(c: ScimCaller, id: string, next: (row: ScimUserRow) => ScimResource): Promise<ScimUserRow> {
    return write(async (tx) => {
      const row = await repo.findUser(c.connectionId, id, tx, true);
      if (!row) throw notFound(id);
      const u = next(row);
      await assertUserNameFree(tx, c, row, u);
      const r = await writePerson(tx, c, row.id, u);
      await log(tx, c, row.id, String(u.userName), r);
      if (r.outcome === 'conflict' || r.outcome === 'failed') return { refused: refusal(r) };
      return repo.updateUser(c.connectionId, row.id, userFields(u), tx);
    });
  }

  /** Forgets what this worker knows of a connection's token (rotated; connection changed or deleted). */
  function forgetConnection(connectionId: string): void {
    epoch++;
    for (const [hash, v] of tokens) if (v.connectionId === connectionId) tokens.delete(hash);
  }

  /** The caller a token's owner makes: 401 for no (SCIM) connection, 403 for a draft one. */
  function callerOf(owner: ScimTokenOwner | undefined): Omit<ScimCaller, 'requestId'> | ScimError {
    if (!owner || owner.source !== 'scim') return new ScimError(401, null, 'The token is not valid (rotated or deleted?)');
    if (owner.status !== 'enabled') {
      return new ScimError(403, null, `The connection "${owner.name}" is a draft: enable it in kdesk (Contact Sync) to provision users`);
    }
    return {
      connectionId: owner.connectionId,
      teamId: owner.teamId,
      name: owner.name,
      mapping: owner.mapping as SyncMapping,
      region: readSettings(owner.teamSettings).defaultPhoneRegion,
    };
  }

  return {
    /** The caller of a bearer token (cached per worker: SCIM_TOKEN_CACHE_MS); 401 without a valid one, 403 for a draft connection. */
    async authenticate(authorization: string | undefined, requestId: string | null): Promise<ScimCaller> {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) throw new ScimError(401, null, 'Authorization: Bearer <token> is required (the SCIM token of the connection)');
      if (!m[1]!.startsWith(TOKEN_PREFIX)) throw new ScimError(401, null, 'The token is not valid (rotated or deleted?)');
      const hash = hashSecret(m[1]!);
      const t = clock();
      let hit = tokens.get(hash);
      if (!hit || hit.until <= t) {
        if (hit) tokens.delete(hash);
        const at = epoch;
        const owner: ScimTokenOwner | undefined = await repo.tokenOwner(hash);
        hit = { until: t + cacheMs, connectionId: owner?.connectionId ?? null, caller: callerOf(owner) };
        // an unknown token is not kept (guesses would push out the tokens in use)
        if (at === epoch && cacheMs > 0 && owner) {
          if (tokens.size >= SCIM_TOKEN_CACHE_MAX) tokens.delete(tokens.keys().next().value!);
          tokens.set(hash, hit);
        }
      }
      if (hit.caller instanceof ScimError) throw hit.caller;
      return { ...hit.caller, requestId };
    },

    forgetConnection,

    async create(c: ScimCaller, body: unknown): Promise<ScimUserRow> {
      const u = normalizeUser(body);
      const fast = await freshCreate(c, u);
      if (fast) return fast;
      return write(async (tx) => {
        // the userName is claimed first (its unique index decides between concurrent creates)
        let row = await repo.insertUser({ connectionId: c.connectionId, teamId: c.teamId, id: uuidv7(), ...userFields(u) }, tx);
        let revived = false;
        if (!row) {
          const existing = await repo.findByUserName(c.connectionId, String(u.userName), tx);
          if (!existing || !existing.deletedAt) {
            const which = existing ? ` (id ${existing.id})` : '';
            throw new ScimError(409, 'uniqueness', `A user with userName "${String(u.userName)}" exists already${which}`);
          }
          // provisioned again after a DELETE: the same id, its contact reactivated
          row = existing;
          revived = true;
        }
        const r = await writePerson(tx, c, row.id, u, !revived);
        await log(tx, c, row.id, String(u.userName), r);
        if (r.outcome === 'conflict' || r.outcome === 'failed') {
          if (!revived) await repo.forgetUser(c.connectionId, row.id, tx);
          return { refused: refusal(r) };
        }
        return revived ? repo.updateUser(c.connectionId, row.id, { ...userFields(u), revive: true }, tx) : row;
      });
    },

    async get(c: ScimCaller, id: string): Promise<ScimUserRow> {
      const row = await repo.findUser(c.connectionId, id);
      if (!row) throw notFound(id);
      return row;
    },

    /** GET /Users: `filter` (eq terms joined by and), `startIndex` (1-based) and `count` (0: only totalResults). */
    async list(c: ScimCaller, q: { filter?: string; startIndex?: string; count?: string }) {
      const terms = q.filter ? parseFilter(q.filter) : [];
      const int = (v: string | undefined, name: string, dflt: number) => {
        if (v === undefined || v === '') return dflt;
        if (!/^-?\d{1,9}$/.test(v)) throw new ScimError(400, 'invalidValue', `${name} must be an integer`);
        return Number(v);
      };
      const startIndex = Math.max(1, int(q.startIndex, 'startIndex', 1));
      const count = Math.min(SCIM_MAX_RESULTS, Math.max(0, int(q.count, 'count', 100)));
      const { total, rows } = await repo.listUsers(c.connectionId, terms, { offset: startIndex - 1, limit: count });
      return { total, rows, startIndex };
    },

    replace(c: ScimCaller, id: string, body: unknown): Promise<ScimUserRow> {
      const u = normalizeUser(body);
      return update(c, id, () => u);
    },

    patch(c: ScimCaller, id: string, body: unknown): Promise<ScimUserRow> {
      const ops = parsePatch(body);
      return update(c, id, (row) => applyPatch(row.resource, ops));
    },

    /** DELETE: the user is gone for SCIM (404 from now on); its contact is deactivated, never deleted. */
    async remove(c: ScimCaller, id: string): Promise<void> {
      await write(async (tx) => {
        const row = await repo.findUser(c.connectionId, id, tx, true);
        if (!row) throw notFound(id);
        const contactId = await repo.contactOf(c.teamId, c.connectionId, row.id, tx);
        const changed = contactId ? await writer.deactivateSynced(tx, byOf(c), [contactId]) : [];
        await repo.updateUser(c.connectionId, row.id, { ...userFields({ ...row.resource, active: false }), delete: true }, tx);
        const email = (row.resource.emails as { value?: string }[] | undefined)?.[0]?.value ?? null;
        const name = row.resource.name as { givenName?: string; familyName?: string } | undefined;
        await log(tx, c, row.id, row.userName, {
          outcome: changed.length ? 'deactivated' : 'unchanged',
          contactId,
          name: nameOf({ firstName: name?.givenName ?? null, lastName: name?.familyName ?? null }),
          email,
          reason: 'Deleted by the identity provider: deactivated (kept in kdesk)',
          changes: changed.length ? { 'permissions.active': { before: true, after: false } } : null,
        });
      });
    },

    /** A new bearer token for a SCIM connection (the one before stops working); answered once. */
    async rotateToken(actor: Actor, connectionId: string, tx?: Executor): Promise<string> {
      requireTeamManager(actor);
      const run = async (t: Executor) => {
        const conn = isUuid(connectionId) ? await repo.connectionSource(actor.teamId, connectionId, t) : undefined;
        if (!conn) throw new AppError('NOT_FOUND', 'Connection not found');
        if (conn !== 'scim')
          throw new AppError('VALIDATION', 'Only SCIM connections have a SCIM token', [
            { path: 'source', message: 'Not a SCIM connection' },
          ]);
        const token = newScimToken();
        const had = await repo.hasToken(actor.teamId, connectionId, t);
        await repo.setToken({ connectionId, teamId: actor.teamId, tokenHash: hashSecret(token), createdBy: actor.memberId }, t);
        await audit.record(
          {
            actor,
            entityType: 'sync_connection',
            entityId: connectionId,
            action: 'update',
            changes: { 'settings.scimToken': { before: had ? '(set)' : null, after: '(changed)' } },
          },
          t,
        );
        return token;
      };
      if (tx) return run(tx);
      const token = await db.transaction().execute(run);
      forgetConnection(connectionId);
      return token;
    },
  };
}
export type ScimService = ReturnType<typeof createScimService>;

/** A stored User as SCIM answers it, with `id`, `schemas` and `meta` (location under `baseUrl`, e.g. https://host/scim/v2). */
export function presentUser(row: ScimUserRow, baseUrl: string): Record<string, unknown> {
  const { [SCIM_ENTERPRISE]: ext, ...core } = row.resource;
  return {
    schemas: ext ? [SCIM_USER, SCIM_ENTERPRISE] : [SCIM_USER],
    id: row.id,
    ...core,
    active: row.active,
    ...(ext ? { [SCIM_ENTERPRISE]: ext } : {}),
    meta: {
      resourceType: 'User',
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${row.id}`,
      version: `W/"${row.version}"`,
    },
  };
}

export function presentList(r: { total: number; rows: ScimUserRow[]; startIndex: number }, baseUrl: string) {
  return {
    schemas: [SCIM_LIST],
    totalResults: r.total,
    startIndex: r.startIndex,
    itemsPerPage: r.rows.length,
    Resources: r.rows.map((row) => presentUser(row, baseUrl)),
  };
}
