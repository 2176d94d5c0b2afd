// Contact Sync connections (team owners and admins): CRUD with write-only secrets encrypted at rest
// (AES-256-GCM with the server key, each value bound to its connection and name), Test connection and
// the preview of the first people as they would become contacts, for saved and unsaved settings.
// Runs (server/sync/sync-run.*) read a connection through `forRun` and report back through `recordRun`.
import { AppError, type ErrorDetail } from '#shared/errors.ts';
import {
  availableSyncSources,
  connectionStatuses,
  secretSettings,
  settingsInputBySource,
  SYNC_PREVIEW_SIZE,
  syncSourceNames,
  syncSources,
  type Connection,
  type ConnectionDraftInput,
  type ConnectionInput,
  type ConnectionList,
  type ConnectionPatch,
  type LdapSettings,
  type SyncMapping,
  type SyncPreviewResult,
  type SyncScope,
  type SyncSource,
  type SyncTestResult,
} from '#shared/sync.ts';
import { requireTeamManager, type Actor } from '../auth/actor.ts';
import { createRateLimiter } from '../auth/rate-limit.ts';
import { createAuditWriter, createContactWriter, type Changes } from '../contacts/contacts.writer.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { SyncConnectionRow } from '../db/schema.ts';
import { parseCron } from '../jobs/cron.rules.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { Keyring } from '../portal/keyring.ts';
import { createConnectionsRepo } from './connections.repo.ts';
import { filterProblem } from './ldap.source.ts';
import { applyMapping } from './mapping.rules.ts';
import { presentConnection } from './sync.presenter.ts';
import { DirectoryError } from './source.ts';
import {
  defaultMappingOf,
  incrementalOf,
  isReadableSource,
  missingCredential,
  openSource,
  sourceSettings,
  testSource,
  type SourceSettings,
} from './sources.ts';

/** The engine job kind of a run, and the key that keeps one run per connection at a time. */
export const SYNC_RUN_KIND = 'sync.run';
export const syncJobKey = (connectionId: string) => `sync:${connectionId}`;
/** Most connections a team may have. */
export const MAX_CONNECTIONS_PER_TEAM = 50;
const LIST_LIMIT = MAX_CONNECTIONS_PER_TEAM;
/** Tests and previews open connections to directories: at most this many a team per minute. */
export const DIRECTORY_CHECKS_PER_MINUTE = 30;

const SCIM_NOT_READ = 'KDesk does not read a SCIM connection: your identity provider sends people to /scim/v2 with the connection’s token.';
const secretContext = (connectionId: string, name: string) => `sync_connection:${connectionId}:${name}`;
const notFound = () => new AppError('NOT_FOUND', 'Connection not found');
const invalid = (details: ErrorDetail[]) => new AppError('VALIDATION', details[0]?.message ?? 'Invalid input', details);

/** Settings split into what is stored in clear and the secrets (plain text; '' clears a stored one). */
function splitSecrets(source: SyncSource, settings: Record<string, unknown>) {
  const clear: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (secretSettings[source].includes(k)) {
      if (typeof v === 'string') secrets[k] = v;
    } else clear[k] = v;
  }
  return { clear, secrets };
}

/** Problems of a connection body that the schema cannot see (filters, schedule, source availability). */
function checkConnection(c: {
  source: SyncSource;
  settings?: Record<string, unknown>;
  scope?: SyncScope;
  mapping?: SyncMapping;
  schedule?: string | null;
  hasPassword?: boolean;
  /** The secret names stored or given (not emptied). */
  secretsSet?: string[];
}): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  // SCIM attribute paths (name.givenName, emails[type eq "work"].value) are no LDAP attribute names
  if (c.source === 'ldap' && c.mapping) {
    for (const [field, v] of Object.entries(c.mapping)) {
      const attr = typeof v === 'string' ? v : 'attribute' in v ? v.attribute : null;
      if (attr && !/^(?:[A-Za-z][A-Za-z0-9-]*(?:;[A-Za-z0-9-]+)*|\d+(?:\.\d+)+)$/.test(attr)) {
        details.push({ path: `mapping.${field}`, message: 'Not an LDAP attribute name' });
      }
    }
  }
  if (!availableSyncSources.includes(c.source)) {
    details.push({
      path: 'source',
      message: `${syncSourceNames[c.source]} connections come in a later version of kdesk; use LDAP / Active Directory, Google Workspace or Microsoft Entra ID`,
    });
  }
  if (c.source === 'microsoft' && c.secretsSet && !c.secretsSet.includes('clientSecret')) {
    details.push({ path: 'settings.clientSecret', message: 'Give a client secret of the app registration' });
  }
  if (c.source === 'google' && c.secretsSet) {
    if (!c.secretsSet.includes('serviceAccountKey')) {
      details.push({ path: 'settings.serviceAccountKey', message: 'Give the JSON key file of the service account' });
    }
  }
  if (c.scope?.mode === 'pattern' && c.source !== 'ldap' && c.scope.pattern?.baseDn) {
    details.push({
      path: 'scope.pattern.baseDn',
      message: 'A base DN is an LDAP scope; use a filter (Microsoft) or a query / organizational unit (Google)',
    });
  }
  if (c.scope?.mode === 'pattern' && c.source === 'microsoft' && !c.scope.pattern?.filter) {
    details.push({ path: 'scope.pattern.filter', message: "Give a Graph filter, e.g. department eq 'Sales'" });
  }
  if (c.scope?.mode === 'pattern' && c.source === 'google' && c.scope.pattern?.filter) {
    details.push({ path: 'scope.pattern.filter', message: 'Google reads a query (and/or an organizational unit), not a filter' });
  }
  if (c.source === 'ldap' && c.settings) {
    const s = c.settings as LdapSettings;
    const fp = filterProblem(s.userFilter, 'settings.userFilter');
    if (fp) details.push({ path: 'settings.userFilter', message: fp.message });
    if (s.bindDn && c.hasPassword === false) {
      details.push({
        path: 'settings.bindPassword',
        message: 'Give the password of the bind DN (or leave the bind DN empty for an anonymous bind)',
      });
    }
  }
  if (c.scope?.mode === 'pattern' && c.source === 'ldap' && c.scope.pattern?.filter) {
    const fp = filterProblem(c.scope.pattern.filter, 'scope.pattern.filter');
    if (fp) details.push({ path: 'scope.pattern.filter', message: fp.message });
  }
  if (c.schedule) {
    try {
      parseCron(c.schedule);
    } catch (err) {
      details.push({ path: 'schedule', message: `${(err as Error).message} (e.g. "@every 1h", "@daily" or "0 6 * * 1-5")` });
    }
  }
  return details;
}

/** A service account key must be a key file; checked when given, so that a typo is named at once. */
function keyProblem(source: SyncSource, secrets: Record<string, string>): ErrorDetail[] {
  if (source !== 'google' || !secrets.serviceAccountKey) return [];
  const s = sourceSettings('google', { adminEmail: 'admin@example.com' }, secrets);
  const m = missingCredential(s);
  return m ? [{ path: m.field, message: m.message }] : [];
}

/** Redacted settings for the audit log: secrets appear as set or not, never as values. */
function auditSettings(settings: Record<string, unknown>, secretNames: string[]) {
  return { ...settings, ...Object.fromEntries(secretNames.map((n) => [n, '(set)'])) };
}

export function createConnectionsService(deps: {
  db: Db;
  keyring: Pick<Keyring, 'encrypt' | 'decrypt'>;
  jobs: Pick<JobsService, 'schedule' | 'unschedule'>;
  now?: () => Date;
  /** SCIM connections get their bearer token when created (server/scim). */
  scimTokens?: {
    rotateToken(actor: Actor, connectionId: string, tx?: Executor): Promise<string>;
    forgetConnection(connectionId: string): void;
  };
  /** KDESK_ALLOW_PRIVATE_DIRECTORY_URLS: cloud sources may reach internal addresses (tests, development). */
  allowPrivateDirectoryUrls?: boolean;
}) {
  const { db, keyring, jobs } = deps;
  const now = deps.now ?? (() => new Date());
  const net = { allowPrivateAddresses: deps.allowPrivateDirectoryUrls ?? false };
  const repo = createConnectionsRepo(db);
  const audit = createAuditWriter(db);
  const writer = createContactWriter(db);
  const limiter = createRateLimiter(db);

  /** Counted before the directory is contacted, across all instances. */
  const takeCheck = (teamId: string) =>
    limiter.take(
      [{ key: `sync-check:${teamId}`, max: DIRECTORY_CHECKS_PER_MINUTE, windowSeconds: 60 }],
      `At most ${DIRECTORY_CHECKS_PER_MINUTE} connection tests and previews a minute per team; try again shortly.`,
    );

  async function load(teamId: string, id: string, tx: Executor = db): Promise<SyncConnectionRow> {
    const row = isUuid(id) ? await repo.get(teamId, id, tx) : undefined;
    if (!row) throw notFound();
    return row;
  }

  async function present(teamId: string, row: SyncConnectionRow, tx: Executor = db): Promise<Connection> {
    const [last] = await repo.latestRuns(teamId, [row.id], tx);
    return presentConnection(row, last ?? null);
  }

  function encryptSecrets(connectionId: string, stored: Record<string, string>, given: Record<string, string>) {
    const out = { ...stored };
    for (const [name, value] of Object.entries(given)) {
      if (value === '') delete out[name];
      else out[name] = keyring.encrypt(value, secretContext(connectionId, name));
    }
    return out;
  }

  function decryptSecrets(row: Pick<SyncConnectionRow, 'id' | 'secrets'>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(row.secrets)) {
      try {
        out[name] = keyring.decrypt(value, secretContext(row.id, name));
      } catch {
        throw new AppError(
          'CONFLICT',
          `The stored ${name} of this connection cannot be read with this server's key (KDESK_SECRET_KEY changed?). Enter it again.`,
          [{ path: `settings.${name}`, message: 'Enter it again' }],
        );
      }
    }
    return out;
  }

  async function applySchedule(row: SyncConnectionRow, tx: Executor) {
    const key = syncJobKey(row.id);
    if (row.status === 'enabled' && row.schedule) {
      await jobs.schedule(
        {
          name: key,
          cron: row.schedule,
          kind: SYNC_RUN_KIND,
          payload: { connectionId: row.id, trigger: 'schedule' },
          teamId: row.teamId,
          singletonKey: key,
        },
        tx,
      );
    } else await jobs.unschedule(key, tx);
  }

  /** The settings of a stored or unsaved connection with its secrets in clear (a secret the draft leaves out is the stored one). */
  async function draftSettings(actor: Actor, draft: ConnectionDraftInput): Promise<SourceSettings> {
    let stored: Record<string, string> = {};
    if (draft.id !== undefined) {
      const row = await load(actor.teamId, draft.id);
      if (row.source !== draft.source) throw invalid([{ path: 'source', message: 'The source of a saved connection cannot change' }]);
      stored = decryptSecrets(row);
    }
    if (!isReadableSource(draft.source)) throw invalid([{ path: 'source', message: 'This source cannot be read' }]);
    const given = draft.settings as Record<string, unknown>;
    const secrets: Record<string, string | undefined> = {};
    for (const name of secretSettings[draft.source]) secrets[name] = (given[name] as string | undefined) || stored[name];
    return sourceSettings(draft.source, given, secrets);
  }

  return {
    async list(actor: Actor, q: { q?: string } = {}): Promise<ConnectionList> {
      requireTeamManager(actor);
      const text = q.q?.trim() ?? '';
      const lower = text.toLowerCase();
      const rows = await repo.list(
        actor.teamId,
        {
          text,
          sources: text ? syncSources.filter((s) => s.includes(lower) || syncSourceNames[s].toLowerCase().includes(lower)) : [],
          statuses: text ? connectionStatuses.filter((s) => s.includes(lower)) : [],
        },
        LIST_LIMIT,
      );
      const runs = new Map(
        (
          await repo.latestRuns(
            actor.teamId,
            rows.map((r) => r.id),
          )
        ).map((r) => [r.connectionId, r]),
      );
      return { items: rows.map((r) => presentConnection(r, runs.get(r.id) ?? null)) };
    },

    async get(actor: Actor, id: string): Promise<Connection> {
      requireTeamManager(actor);
      return present(actor.teamId, await load(actor.teamId, id));
    },

    async create(actor: Actor, input: ConnectionInput): Promise<Connection> {
      requireTeamManager(actor);
      const { clear, secrets } = splitSecrets(input.source, input.settings as Record<string, unknown>);
      const details = checkConnection({
        ...input,
        settings: input.settings as Record<string, unknown>,
        hasPassword: Boolean(secrets.bindPassword),
        secretsSet: Object.keys(secrets).filter((k) => secrets[k]),
      });
      details.push(...keyProblem(input.source, secrets));
      if (details.length) throw invalid(details);
      const id = uuidv7();
      const at = now();
      const row = await db.transaction().execute(async (tx) => {
        if ((await repo.countLocked(actor.teamId, tx)) >= MAX_CONNECTIONS_PER_TEAM) {
          throw new AppError('CONFLICT', `A team can have at most ${MAX_CONNECTIONS_PER_TEAM} connections; delete one first.`);
        }
        if (await repo.nameTaken(actor.teamId, input.name, null, tx)) {
          throw new AppError('CONFLICT', `A connection named "${input.name}" exists already`, [
            { path: 'name', message: 'Choose another name' },
          ]);
        }
        const r = await repo.insert(
          {
            id,
            teamId: actor.teamId,
            name: input.name,
            description: input.description,
            source: input.source,
            status: input.status,
            settings: JSON.stringify(clear),
            secrets: JSON.stringify(encryptSecrets(id, {}, secrets)),
            scope: JSON.stringify(input.scope),
            mapping: JSON.stringify(input.mapping),
            schedule: input.schedule,
            createdBy: actor.memberId,
            createdAt: at,
            updatedAt: at,
          },
          tx,
        );
        await applySchedule(r, tx);
        const changes: Changes = {
          name: { before: null, after: r.name },
          source: { before: null, after: r.source },
          status: { before: null, after: r.status },
          settings: { before: null, after: auditSettings(clear, Object.keys(r.secrets)) },
          scope: { before: null, after: input.scope },
          mapping: { before: null, after: input.mapping },
          schedule: { before: null, after: r.schedule },
        };
        await audit.record({ actor, entityType: 'sync_connection', entityId: id, action: 'create', changes }, tx);
        // a SCIM connection's bearer token: in this answer only (stored hashed)
        const scimToken = r.source === 'scim' && deps.scimTokens ? await deps.scimTokens.rotateToken(actor, id, tx) : undefined;
        return { r, scimToken };
      });
      return { ...presentConnection(row.r, null), ...(row.scimToken ? { scimToken: row.scimToken } : {}) };
    },

    async update(actor: Actor, id: string, patch: ConnectionPatch): Promise<Connection> {
      requireTeamManager(actor);
      const before = await load(actor.teamId, id);
      const details: ErrorDetail[] = [];
      let clear: Record<string, unknown> | undefined;
      let secrets: Record<string, string> = {};
      if (patch.settings !== undefined) {
        const schema = settingsInputBySource[before.source];
        const parsed = schema.safeParse(patch.settings);
        if (!parsed.success) {
          details.push(...parsed.error.issues.map((i) => ({ path: ['settings', ...i.path.map(String)].join('.'), message: i.message })));
        } else ({ clear, secrets } = splitSecrets(before.source, parsed.data as Record<string, unknown>));
      }
      if (!details.length) {
        const hasPassword = secrets.bindPassword !== undefined ? secrets.bindPassword !== '' : 'bindPassword' in before.secrets;
        details.push(
          ...checkConnection({
            source: before.source,
            settings: clear ?? (before.settings as Record<string, unknown>),
            scope: patch.scope,
            mapping: patch.mapping,
            schedule: patch.schedule,
            hasPassword,
            secretsSet: [...Object.keys(before.secrets), ...Object.keys(secrets)].filter((k) =>
              secrets[k] !== undefined ? secrets[k] !== '' : true,
            ),
          }),
          ...keyProblem(before.source, secrets),
        );
      }
      if (details.length) throw invalid(details);
      const row = await db.transaction().execute(async (tx) => {
        if (patch.name !== undefined && (await repo.nameTaken(actor.teamId, patch.name, id, tx))) {
          throw new AppError('CONFLICT', `A connection named "${patch.name}" exists already`, [
            { path: 'name', message: 'Choose another name' },
          ]);
        }
        const nextSecrets = encryptSecrets(id, before.secrets, secrets);
        const r = await repo.update(
          actor.teamId,
          id,
          {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(patch.status !== undefined ? { status: patch.status } : {}),
            ...(patch.scope !== undefined ? { scope: JSON.stringify(patch.scope) } : {}),
            ...(patch.mapping !== undefined ? { mapping: JSON.stringify(patch.mapping) } : {}),
            ...(patch.schedule !== undefined ? { schedule: patch.schedule } : {}),
            ...(clear !== undefined ? { settings: JSON.stringify(clear) } : {}),
            ...(Object.keys(secrets).length ? { secrets: JSON.stringify(nextSecrets) } : {}),
            // what the next incremental run starts from depends on where and what it reads
            ...(clear !== undefined || patch.scope !== undefined ? { watermark: null } : {}),
            updatedAt: now(),
          },
          tx,
        );
        if (!r) throw notFound();
        await applySchedule(r, tx);
        const changes: Changes = {};
        for (const k of ['name', 'description', 'status', 'scope', 'mapping', 'schedule'] as const) {
          if (patch[k] !== undefined && JSON.stringify(before[k]) !== JSON.stringify(r[k])) changes[k] = { before: before[k], after: r[k] };
        }
        if (clear !== undefined && JSON.stringify(before.settings) !== JSON.stringify(r.settings)) {
          changes.settings = { before: before.settings, after: r.settings };
        }
        for (const name of Object.keys(secrets)) {
          changes[`settings.${name}`] = { before: name in before.secrets ? '(set)' : null, after: name in r.secrets ? '(changed)' : null };
        }
        await audit.record({ actor, entityType: 'sync_connection', entityId: id, action: 'update', changes }, tx);
        return r;
      });
      // a SCIM token's connection (status, mapping, name) as /scim/v2 workers keep it
      deps.scimTokens?.forgetConnection(id);
      return present(actor.teamId, row);
    },

    /** Deletes a connection and its runs; the contacts it brought stay (their sync id and connection are kept as they were). */
    async remove(actor: Actor, id: string): Promise<void> {
      requireTeamManager(actor);
      if (!isUuid(id)) throw notFound();
      await db.transaction().execute(async (tx) => {
        const gone = await repo.delete(actor.teamId, id, tx);
        if (!gone) throw notFound();
        await jobs.unschedule(syncJobKey(id), tx);
        // its contacts stay, as ordinary contacts (editable by hand, never deactivated by a run again)
        const unlinked = await writer.unlinkSyncConnection(tx, actor, id);
        await audit.record(
          {
            actor,
            entityType: 'sync_connection',
            entityId: id,
            action: 'delete',
            changes: { name: { before: gone.name, after: null }, contactsUnlinked: { before: unlinked, after: 0 } },
          },
          tx,
        );
      });
      deps.scimTokens?.forgetConnection(id);
    },

    /** Test connection for saved or unsaved settings: what is wrong, in plain words. */
    async test(actor: Actor, draft: ConnectionDraftInput): Promise<SyncTestResult> {
      requireTeamManager(actor);
      if (draft.source === 'scim') {
        return {
          ok: false,
          problem: { code: 'unavailable_source', message: SCIM_NOT_READ, field: 'source' },
          steps: [],
          directory: null,
          usersFound: 0,
          countIsLowerBound: false,
        };
      }
      if (!availableSyncSources.includes(draft.source)) {
        return {
          ok: false,
          problem: {
            code: 'unavailable_source',
            message: `${syncSourceNames[draft.source]} connections come in a later version of kdesk.`,
            field: 'source',
          },
          steps: [],
          directory: null,
          usersFound: 0,
          countIsLowerBound: false,
        };
      }
      const settings = await draftSettings(actor, draft);
      await takeCheck(actor.teamId);
      const missing = missingCredential(settings);
      if (missing) return { ok: false, problem: missing, steps: [], directory: null, usersFound: 0, countIsLowerBound: false };
      return testSource(settings, draft.scope, draft.mapping ?? defaultMappingOf(settings), net);
    },

    /** The first people in scope as they would become contacts (nothing is written). */
    async preview(actor: Actor, draft: ConnectionDraftInput): Promise<SyncPreviewResult> {
      requireTeamManager(actor);
      if (draft.source === 'scim')
        return { items: [], more: false, problem: { code: 'unavailable_source', message: SCIM_NOT_READ, field: 'source' } };
      if (!availableSyncSources.includes(draft.source)) {
        return {
          items: [],
          more: false,
          problem: {
            code: 'unavailable_source',
            message: `${syncSourceNames[draft.source]} connections come in a later version of kdesk.`,
            field: 'source',
          },
        };
      }
      const settings = await draftSettings(actor, draft);
      await takeCheck(actor.teamId);
      const missing = missingCredential(settings);
      if (missing) return { items: [], more: false, problem: missing };
      const mapping = draft.mapping ?? defaultMappingOf(settings);
      const source = openSource(settings, draft.scope, mapping, net);
      const items: SyncPreviewResult['items'] = [];
      let more = false;
      try {
        for await (const e of source.entries({ limit: SYNC_PREVIEW_SIZE + 1 })) {
          if (items.length === SYNC_PREVIEW_SIZE) {
            more = true;
            break;
          }
          const m = applyMapping(e, mapping);
          const { permissions, notifications, address, ...rest } = m.fields;
          items.push({
            syncId: e.syncId,
            dn: e.dn,
            disabled: e.disabled,
            contact: { ...rest, address, notifications, permissions },
            organizationId: m.organizationId,
            reportsTo: m.reportsToDn,
            warnings: m.warnings,
            failure: m.failure,
          });
        }
      } catch (err) {
        if (err instanceof DirectoryError) return { items: [], more: false, problem: err.problem };
        throw err;
      } finally {
        await source.close();
      }
      return { items, more, problem: null };
    },

    // --- for runs (server/sync/sync-run.*) ---

    /**
     * A connection as a run needs it: the row, its settings with the secrets in clear, and a source
     * reading its scope with its mapping's attributes. Null when it is gone (deleted meanwhile).
     */
    async forRun(teamId: string, id: string, tx: Executor = db) {
      const row = isUuid(id) ? await repo.get(teamId, id, tx) : undefined;
      if (!row) return null;
      if (row.source === 'scim') {
        throw new AppError('VALIDATION', 'A SCIM connection is not run: your identity provider sends its changes to /scim/v2', [
          { path: 'source', message: 'SCIM connections are provisioned by the identity provider' },
        ]);
      }
      if (!isReadableSource(row.source)) {
        throw new AppError('VALIDATION', `${syncSourceNames[row.source]} connections cannot run in this version`);
      }
      const src = sourceSettings(row.source, row.settings as Record<string, unknown>, decryptSecrets(row));
      const scope = row.scope as SyncScope;
      const mapping = row.mapping as SyncMapping;
      // what the engine needs of the settings: how incremental runs work
      const settings = { ...src.settings, incremental: incrementalOf(src) };
      return { connection: row, source: src.source, settings, scope, mapping, openSource: () => openSource(src, scope, mapping, net) };
    },

    /** After a run: its id, and (complete successful runs) the watermark for the next incremental run. */
    async recordRun(
      teamId: string,
      id: string,
      r: { runId: string; watermark?: Record<string, unknown> | null; full?: boolean; at?: Date },
      tx: Executor = db,
    ): Promise<void> {
      await repo.recordRun(
        teamId,
        id,
        {
          lastRunId: r.runId,
          ...(r.watermark !== undefined ? { watermark: r.watermark === null ? null : JSON.stringify(r.watermark) } : {}),
          ...(r.full ? { lastFullRunAt: r.at ?? now() } : {}),
        },
        tx,
      );
    },
  };
}
export type ConnectionsService = ReturnType<typeof createConnectionsService>;
