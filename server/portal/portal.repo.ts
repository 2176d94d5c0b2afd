// SQL of the portal: sign-in requests, contact sessions, contact links, SSO settings and states.
// It reads the contacts table to resolve who signs in (portal-owned queries, scoped by team).
import { sql, type Insertable } from 'kysely';
import type { Executor } from '../db/client.ts';
import { claimPending } from '../db/claim-pending.ts';
import type { PortalLoginRequestsTable, PortalSsoStatesTable } from '../db/schema.ts';

export function createPortalRepo(db: Executor) {
  return {
    /** The team's contacts among `ids` (live or in the trash). */
    contactsByIds(teamId: string, ids: string[], tx: Executor = db) {
      return tx.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('id', 'in', ids).execute();
    },
    teamBySlug(slug: string, tx: Executor = db) {
      return tx.selectFrom('teams').select(['id', 'name', 'slug', 'settings']).where('slug', '=', slug).executeTakeFirst();
    },
    teamById(id: string, tx: Executor = db) {
      return tx
        .selectFrom('teams')
        .select(['id', 'name', 'slug', 'settings', 'memberOrigin', 'supportEmail'])
        .where('id', '=', id)
        .executeTakeFirst();
    },

    // --- sign-in requests and codes ---
    insertLoginRequest(row: Insertable<PortalLoginRequestsTable>, tx: Executor = db) {
      return tx.insertInto('portalLoginRequests').values(row).execute();
    },
    /** Pending requests for this worker's transaction; others skip them (SKIP LOCKED). */
    claimPendingRequests(limit: number, tx: Executor) {
      return claimPending(tx, 'portalLoginRequests', limit);
    },
    markRequest(
      id: string,
      set: { status: 'issued' | 'dropped'; contactId?: string | null; codeHash?: string | null; sentTo?: string | null },
      tx: Executor,
    ) {
      return tx.updateTable('portalLoginRequests').set(set).where('id', '=', id).execute();
    },
    requestForVerify(teamId: string, id: string, tx: Executor = db) {
      return tx
        .selectFrom('portalLoginRequests')
        .select(['id', 'email', 'linkTokenHash'])
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
    /**
     * One atomic statement per try: counts the try, and marks the request used when the code matches.
     * Row locking makes concurrent tries of one code serialise; after the first success commits, the
     * others no longer match `used_at IS NULL`, so exactly one caller gets `ok`.
     */
    async tryCode(p: { teamId: string; id: string; codeHash: string; now: Date; maxTries: number }, tx: Executor = db) {
      const r = await sql<{ ok: boolean; contactId: string | null; sentTo: string | null }>`
        UPDATE portal_login_requests
        SET attempts = attempts + 1,
            used_at = CASE WHEN code_hash = ${p.codeHash} THEN ${p.now}::timestamptz ELSE NULL END
        WHERE id = ${p.id} AND team_id = ${p.teamId} AND status = 'issued' AND used_at IS NULL
          AND attempts < ${p.maxTries} AND expires_at > ${p.now}
        RETURNING used_at IS NOT NULL AS ok, contact_id, sent_to`.execute(tx);
      return r.rows[0];
    },
    purgeOldRequests(before: Date, tx: Executor = db) {
      return tx.deleteFrom('portalLoginRequests').where('expiresAt', '<', before).execute();
    },

    // --- who signs in ---
    contactByEmail(teamId: string, email: string, tx: Executor = db) {
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('primaryEmail', '=', email)
        .where('deletedAt', 'is', null)
        .executeTakeFirst();
    },
    contactById(teamId: string, id: string, tx: Executor = db) {
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('deletedAt', 'is', null)
        .executeTakeFirst();
    },
    contactByLinkToken(teamId: string, tokenHash: string, tx: Executor = db) {
      return tx
        .selectFrom('portalLinks as l')
        .innerJoin('contacts as c', 'c.id', 'l.contactId')
        .selectAll('c')
        .where('l.teamId', '=', teamId)
        .where('c.teamId', '=', teamId)
        .where('l.tokenHash', '=', tokenHash)
        .where('c.deletedAt', 'is', null)
        .executeTakeFirst();
    },
    contactsByDirectoryId(teamId: string, syncId: string, tx: Executor = db) {
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('directorySyncId', '=', syncId)
        .where('deletedAt', 'is', null)
        .execute();
    },
    /** The contacts carrying a synced id, with the source and settings of the connection that synced them. */
    async contactsBySyncedIdentity(teamId: string, syncId: string, tx: Executor = db) {
      const rows = await tx
        .selectFrom('contacts as c')
        .leftJoin('syncConnections as s', (j) => j.onRef('s.id', '=', 'c.directoryConnectionId').onRef('s.teamId', '=', 'c.teamId'))
        .selectAll('c')
        .select(['s.source as connectionSource', 's.settings as connectionSettings'])
        .where('c.teamId', '=', teamId)
        .where('c.directorySyncId', '=', syncId)
        .where('c.deletedAt', 'is', null)
        .execute();
      return rows;
    },
    lockContact(teamId: string, contactId: string, tx: Executor) {
      return tx.selectFrom('contacts').selectAll().where('teamId', '=', teamId).where('id', '=', contactId).forUpdate().executeTakeFirst();
    },
    // --- contact sessions ---
    insertSession(
      row: { tokenHash: string; teamId: string; contactId: string; method: string; createdAt: Date; idleExpiresAt: Date; expiresAt: Date },
      tx: Executor = db,
    ) {
      return tx.insertInto('portalSessions').values(row).execute();
    },
    session(tokenHash: string, now: Date, tx: Executor = db) {
      return tx
        .selectFrom('portalSessions as s')
        .innerJoin('contacts as c', 'c.id', 's.contactId')
        .innerJoin('teams as t', 't.id', 's.teamId')
        .selectAll('c')
        .select([
          's.tokenHash as sessionTokenHash',
          's.idleExpiresAt as sessionIdleExpiresAt',
          's.expiresAt as sessionExpiresAt',
          't.slug as teamSlug',
          't.name as teamName',
          't.settings as teamSettings',
        ])
        .where('s.tokenHash', '=', tokenHash)
        .where('s.idleExpiresAt', '>', now)
        .where('s.expiresAt', '>', now)
        .whereRef('c.teamId', '=', 's.teamId')
        .executeTakeFirst();
    },
    touchSession(tokenHash: string, idleExpiresAt: Date, tx: Executor = db) {
      return tx.updateTable('portalSessions').set({ idleExpiresAt }).where('tokenHash', '=', tokenHash).execute();
    },
    deleteSession(tokenHash: string, tx: Executor = db) {
      return tx.deleteFrom('portalSessions').where('tokenHash', '=', tokenHash).execute();
    },
    deleteSessionsOfTeam(teamId: string, tx: Executor = db) {
      return tx.deleteFrom('portalSessions').where('teamId', '=', teamId).execute();
    },
    purgeExpiredSessions(now: Date, tx: Executor = db) {
      return tx
        .deleteFrom('portalSessions')
        .where((eb) => eb.or([eb('expiresAt', '<=', now), eb('idleExpiresAt', '<=', now)]))
        .execute();
    },

    // --- contact links ---
    upsertLink(row: { contactId: string; teamId: string; tokenHash: string }, tx: Executor = db) {
      return tx
        .insertInto('portalLinks')
        .values(row)
        .onConflict((oc) => oc.column('contactId').doUpdateSet({ tokenHash: row.tokenHash, createdAt: sql`now()` }))
        .execute();
    },
    deleteLink(teamId: string, contactId: string, tx: Executor = db) {
      return tx.deleteFrom('portalLinks').where('teamId', '=', teamId).where('contactId', '=', contactId).executeTakeFirst();
    },

    // --- SSO ---
    ssoConfigs(teamId: string, tx: Executor = db) {
      return tx.selectFrom('portalSsoConfigs').selectAll().where('teamId', '=', teamId).execute();
    },
    ssoConfig(teamId: string, provider: 'google' | 'microsoft', tx: Executor = db) {
      return tx.selectFrom('portalSsoConfigs').selectAll().where('teamId', '=', teamId).where('provider', '=', provider).executeTakeFirst();
    },
    upsertSsoConfig(
      row: {
        teamId: string;
        provider: 'google' | 'microsoft';
        issuer: string;
        clientId: string;
        clientSecretEnc: string;
        allowedDomains: string[];
        allowedTenants: string[];
      },
      tx: Executor = db,
    ) {
      return tx
        .insertInto('portalSsoConfigs')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['teamId', 'provider']).doUpdateSet({
            issuer: row.issuer,
            clientId: row.clientId,
            clientSecretEnc: row.clientSecretEnc,
            allowedDomains: row.allowedDomains,
            allowedTenants: row.allowedTenants,
            updatedAt: sql`now()`,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    deleteSsoConfig(teamId: string, provider: 'google' | 'microsoft', tx: Executor = db) {
      return tx.deleteFrom('portalSsoConfigs').where('teamId', '=', teamId).where('provider', '=', provider).executeTakeFirst();
    },
    insertSsoState(row: Insertable<PortalSsoStatesTable>, tx: Executor = db) {
      return tx.insertInto('portalSsoStates').values(row).execute();
    },
    /** Single use: the first callback with this state takes it. */
    consumeSsoState(p: { state: string; teamId: string; provider: string; now: Date }, tx: Executor = db) {
      return tx
        .updateTable('portalSsoStates')
        .set({ usedAt: p.now })
        .where('state', '=', p.state)
        .where('teamId', '=', p.teamId)
        .where('provider', '=', p.provider)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', p.now)
        .returningAll()
        .executeTakeFirst();
    },
    purgeSsoStates(before: Date, tx: Executor = db) {
      return tx.deleteFrom('portalSsoStates').where('expiresAt', '<', before).execute();
    },
  };
}
export type PortalRepo = ReturnType<typeof createPortalRepo>;
