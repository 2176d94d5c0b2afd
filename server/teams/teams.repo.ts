import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';

export function createTeamsRepo(db: Executor) {
  return {
    /** Locks the team's row until `tx` ends (changes of its settings one after the other). */
    async lock(id: string, tx: Executor): Promise<void> {
      await sql`SELECT 1 FROM teams WHERE id = ${id} FOR UPDATE`.execute(tx);
    },
    /** The ids of the first `limit` teams, oldest first (the CLI's "the only team"). */
    async firstIds(limit: number, tx: Executor = db): Promise<string[]> {
      return (await tx.selectFrom('teams').select('id').orderBy('createdAt').orderBy('id').limit(limit).execute()).map((t) => t.id);
    },
    /** The team with this slug, or this id. */
    findBySlugOrId(ref: string, o: { isId: boolean }, tx: Executor = db) {
      return tx
        .selectFrom('teams')
        .select('id')
        .where((eb) => (o.isId ? eb.or([eb('id', '=', ref), eb('slug', '=', ref)]) : eb('slug', '=', ref)))
        .executeTakeFirst();
    },
    findById(id: string, tx: Executor = db) {
      return tx.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findBySlug(slug: string, tx: Executor = db) {
      return tx.selectFrom('teams').selectAll().where('slug', '=', slug).executeTakeFirst();
    },
    /** Slugs starting with `prefix` that are taken: current ones and old ones that redirect. */
    slugsLike(prefix: string, tx: Executor = db) {
      return tx
        .selectFrom('teams')
        .select('slug')
        .where('slug', 'like', `${prefix}%`)
        .union(tx.selectFrom('teamSlugRedirects').select('oldSlug as slug').where('oldSlug', 'like', `${prefix}%`))
        .execute()
        .then((rows) => new Set(rows.map((r) => r.slug)));
    },
    lockTeam(id: string, tx: Executor) {
      return tx.selectFrom('teams').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },
    updateTeam(id: string, set: { name?: string; slug?: string; supportEmail?: string | null }, tx: Executor) {
      return tx
        .updateTable('teams')
        .set({ ...set, updatedAt: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    /** The team an old portal address now belongs to (its current slug), if any. */
    redirectFor(oldSlug: string, tx: Executor = db) {
      return tx
        .selectFrom('teamSlugRedirects as r')
        .innerJoin('teams as t', 't.id', 'r.teamId')
        .select('t.slug')
        .where('r.oldSlug', '=', oldSlug)
        .executeTakeFirst()
        .then((r) => r?.slug);
    },
    redirectOwner(oldSlug: string, tx: Executor) {
      return tx
        .selectFrom('teamSlugRedirects')
        .select('teamId')
        .where('oldSlug', '=', oldSlug)
        .executeTakeFirst()
        .then((r) => r?.teamId);
    },
    previousSlugs(teamId: string, tx: Executor = db) {
      return tx
        .selectFrom('teamSlugRedirects')
        .select('oldSlug')
        .where('teamId', '=', teamId)
        .orderBy('createdAt', 'desc')
        .execute()
        .then((rows) => rows.map((r) => r.oldSlug));
    },
    addRedirect(oldSlug: string, teamId: string, tx: Executor) {
      return tx
        .insertInto('teamSlugRedirects')
        .values({ oldSlug, teamId })
        .onConflict((oc) => oc.column('oldSlug').doUpdateSet({ createdAt: new Date() }).where('teamSlugRedirects.teamId', '=', teamId))
        .execute();
    },
    deleteRedirect(oldSlug: string, tx: Executor) {
      return tx.deleteFrom('teamSlugRedirects').where('oldSlug', '=', oldSlug).execute();
    },
    count(tx: Executor = db) {
      return tx
        .selectFrom('teams')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    },
    insert(row: { id: string; name: string; slug: string; settings: string }, tx: Executor = db) {
      return tx.insertInto('teams').values(row).returningAll().executeTakeFirstOrThrow();
    },
    updateSettings(id: string, settings: string, tx: Executor = db) {
      return tx.updateTable('teams').set({ settings, updatedAt: new Date() }).where('id', '=', id).execute();
    },
    /** Remembers where a member signed in; writes only when it changed. */
    async rememberMemberOrigin(id: string, origin: string, tx: Executor = db) {
      await sql`UPDATE teams SET member_origin = ${origin} WHERE id = ${id} AND member_origin IS DISTINCT FROM ${origin}`.execute(tx);
    },
    /** Serialises first-start bootstrap between processes sharing one database. */
    async lockBootstrap(tx: Executor) {
      await sql`SELECT pg_advisory_xact_lock(727272)`.execute(tx);
    },
  };
}
export type TeamsRepo = ReturnType<typeof createTeamsRepo>;
