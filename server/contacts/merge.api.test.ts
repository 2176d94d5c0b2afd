import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { createContact } from '../portal/portal-test-support.ts';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'Merge Support');
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

const post = (path: string, body?: unknown, token = t) => call(ctx, token, 'POST', path, body ?? {});
const get = (path: string, token = t) => call(ctx, token, 'GET', path);

async function ticket(requesterId: string, contactIds: string[] = []) {
  const res = await post('/api/v1/tickets', { subject: `Help ${uid()}`, requesterId, contactIds });
  if (res.statusCode !== 201) throw new Error(`ticket: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string };
}

/** Every single-column foreign key pointing at contacts(id), from the catalog. */
async function contactForeignKeys() {
  const r = await sql<{ tbl: string; col: string }>`
    SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = 'contacts'::regclass ORDER BY 1, 2`.execute(ctx.db);
  return r.rows;
}
/** The rows of `tbl` pointing at `ids` through `col`, as sorted JSON texts (every column). */
async function rowsOf(tbl: string, col: string, ids: string[]) {
  const r = await sql<{ j: string }>`
    SELECT to_jsonb(t.*)::text AS j FROM ${sql.raw(tbl)} t WHERE ${sql.ref(`t.${col}`)} = ANY(${ids}::uuid[])`.execute(ctx.db);
  return r.rows.map((x) => x.j).sort();
}
/** The contacts exactly as stored (every column, as text). */
async function contactBytes(ids: string[]) {
  const r = await sql<{ id: string; j: string }>`
    SELECT id, row_to_json(c.*)::text AS j FROM contacts c WHERE id = ANY(${ids}::uuid[]) ORDER BY id`.execute(ctx.db);
  return r.rows;
}
// portal sessions of a merged contact end with the merge (it goes to the trash), like any deletion; undo
// does not sign anyone back in
const ENDED_BY_MERGE = new Set(['portal_sessions.contact_id']);

async function seedPortalRows(contactId: string, o: { link?: boolean; session?: boolean; loginRequest?: boolean; comment?: string }) {
  if (o.link) {
    await sql`INSERT INTO portal_links (contact_id, team_id, token_hash) VALUES (${contactId}, ${team.teamId}, ${`h-${uid()}`})`.execute(
      ctx.db,
    );
  }
  if (o.session) {
    await sql`INSERT INTO portal_sessions (token_hash, team_id, contact_id, method, created_at, idle_expires_at, expires_at)
      VALUES (${`s-${uid()}`}, ${team.teamId}, ${contactId}, 'code', now(), now() + interval '1 hour', now() + interval '1 day')`.execute(
      ctx.db,
    );
  }
  if (o.loginRequest) {
    await sql`INSERT INTO portal_login_requests (id, team_id, email, status, contact_id, expires_at, created_at)
      VALUES (${randomUUID()}, ${team.teamId}, 'x@example.com', 'issued', ${contactId}, now() + interval '1 hour', now())`.execute(ctx.db);
  }
  if (o.comment) {
    await sql`INSERT INTO ticket_comments (id, team_id, ticket_id, body, is_public, author_type, author_contact_id, author_name, created_at)
      VALUES (${randomUUID()}, ${team.teamId}, ${o.comment}, 'from the contact', true, 'contact', ${contactId}, 'Pat', now())`.execute(
      ctx.db,
    );
  }
}

describe('POST /api/v1/contacts/merge and undo', () => {
  it('moves the rows of every table that points at contacts to the survivor, and undo restores contacts byte for byte and every row', async () => {
    const s = await createContact(ctx, team, { firstName: 'Sam', lastName: 'Lee', phones: { work: '+1 555 010 0001' } });
    const m1 = await createContact(ctx, team, {
      firstName: 'Samuel',
      lastName: 'Lee',
      jobTitle: 'CTO',
      emails: { billing: `billing-${uid()}@example.com` },
      phones: { mobile: '(555) 010-0002', work: '+1-555-010-0001' },
    });
    const m2 = await createContact(ctx, team, { firstName: null, lastName: 'Lee' });
    const t1 = await ticket(m1.id, [m2.id, s.id]);
    const t2 = await ticket(s.id, [m1.id]);
    const t3 = await ticket(m2.id);
    await seedPortalRows(m1.id, { link: true, session: true, comment: t1.id });
    await seedPortalRows(m2.id, { link: true, loginRequest: true });
    // forms: the survivor and m1 both have the same form open (a contact has a form open once: m1's goes,
    // undo brings it back); m2's submitted response moves
    const formId = randomUUID();
    await sql`INSERT INTO forms (id, team_id, name, fields, created_at, updated_at)
      VALUES (${formId}, ${team.teamId}, 'Onboarding', '[]'::jsonb, now(), now())`.execute(ctx.db);
    for (const [contactId, submitted] of [
      [s.id, false],
      [m1.id, false],
      [m2.id, true],
    ] as const) {
      await sql`INSERT INTO form_assignments (id, team_id, form_id, contact_id, assigned_by_name, assigned_at, draft, response_values, submitted_at)
        VALUES (${randomUUID()}, ${team.teamId}, ${formId}, ${contactId}, 'Ada', now(), ${JSON.stringify({ note: contactId })}::jsonb,
                ${submitted ? JSON.stringify({ note: 'done' }) : null}::jsonb, ${submitted ? new Date() : null})`.execute(ctx.db);
    }

    const merged = [m1.id, m2.id];
    const all = [s.id, ...merged];
    const fks = await contactForeignKeys();
    expect(fks.map((f) => `${f.tbl}.${f.col}`)).toEqual(expect.arrayContaining(['tickets.requester_id', 'ticket_contacts.contact_id']));
    const before = new Map<string, string[]>();
    for (const f of fks) {
      const rows = await rowsOf(f.tbl, f.col, merged);
      // a table added later is covered only if this test gives it a row: seed one above
      expect(rows.length, `no row of ${f.tbl}.${f.col} points at a merged contact: seed one in this test`).toBeGreaterThan(0);
      before.set(`${f.tbl}.${f.col}`, await rowsOf(f.tbl, f.col, all));
    }
    const bytes = await contactBytes(all);

    const res = await post('/api/v1/contacts/merge', { survivorId: s.id, mergedIds: merged, fields: { jobTitle: m1.id } });
    expect(res.statusCode, res.body).toBe(200);
    const { contact, mergeId } = res.json();
    expect(contact).toMatchObject({ id: s.id, firstName: 'Sam', jobTitle: 'CTO', primaryEmail: s.primaryEmail, version: s.version + 1 });
    // the others' primary emails are now labeled emails; phones unioned by number
    expect(Object.values(contact.emails)).toEqual(expect.arrayContaining([m1.primaryEmail, m2.primaryEmail]));
    expect(Object.values(contact.phones).sort()).toEqual(['(555) 010-0002', '+1 555 010 0001']);

    for (const f of fks) {
      expect(await rowsOf(f.tbl, f.col, merged), `${f.tbl}.${f.col} still points at a merged contact`).toEqual([]);
    }
    // the survivor has each ticket once, as requester where a merged contact was
    const tc = await sql<{ ticketId: string }>`SELECT ticket_id FROM ticket_contacts WHERE contact_id = ${s.id} ORDER BY ticket_id`.execute(
      ctx.db,
    );
    expect(tc.rows.map((x) => x.ticketId).sort()).toEqual([t1.id, t2.id, t3.id].sort());
    expect((await get(`/api/v1/tickets/${t3.id}`)).json().requesterId).toBe(s.id);
    expect((await get(`/api/v1/contacts/${s.id}/tickets`)).json().items).toHaveLength(3);
    // the survivor keeps its own open form and receives m2's submitted response
    const fa = await sql<{ open: number; done: number }>`SELECT count(*) FILTER (WHERE submitted_at IS NULL)::int AS open,
        count(*) FILTER (WHERE submitted_at IS NOT NULL)::int AS done FROM form_assignments WHERE form_id = ${formId} AND contact_id = ${s.id}`.execute(
      ctx.db,
    );
    expect(fa.rows[0]).toEqual({ open: 1, done: 1 });
    // the merged contacts are in the trash, marked merged; the directory no longer lists them
    expect((await get(`/api/v1/contacts/${m1.id}`)).statusCode).toBe(404);
    const trashed = await sql<{ mergedInto: string }>`SELECT merged_into FROM contacts WHERE id = ANY(${merged}::uuid[])`.execute(ctx.db);
    expect(trashed.rows.map((r) => r.mergedInto)).toEqual([s.id, s.id]);
    // history moves with them: the survivor's history shows theirs and the merge
    const history = (await get(`/api/v1/contacts/${s.id}/history`)).json().items as { action: string }[];
    expect(history[0]!.action).toBe('merge');
    expect(history.filter((h) => h.action === 'create')).toHaveLength(3);

    const undo = await post(`/api/v1/merges/${mergeId}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json().contacts.map((c: { id: string }) => c.id)).toEqual(all);
    expect(await contactBytes(all)).toEqual(bytes);
    for (const f of fks) {
      const key = `${f.tbl}.${f.col}`;
      const now = await rowsOf(f.tbl, f.col, all);
      if (ENDED_BY_MERGE.has(key)) expect(now.length, key).toBeLessThan(before.get(key)!.length);
      else expect(now, `${key} after undo`).toEqual(before.get(key));
    }
    expect((await get(`/api/v1/contacts/${m1.id}`)).statusCode).toBe(200);
    expect((await post(`/api/v1/merges/${mergeId}/undo`)).statusCode).toBe(409);
  });

  it('takes each field from the chosen contact; the survivor’s old primary email becomes a labeled email', async () => {
    const s = await createContact(ctx, team, { firstName: 'Old' });
    const m = await createContact(ctx, team, { firstName: 'New', emails: { other: `o-${uid()}@example.com` } });
    const res = await post('/api/v1/contacts/merge', {
      survivorId: s.id,
      mergedIds: [m.id],
      fields: { primaryEmail: m.id, firstName: m.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json().contact;
    expect(c).toMatchObject({ id: s.id, firstName: 'New', primaryEmail: m.primaryEmail });
    expect(Object.keys(c.emails).sort()).toEqual(['other', 'other 2']);
    expect(Object.values(c.emails)).toContain(s.primaryEmail);
    // the survivor now answers to the merged contact's address in search
    const found = (await get(`/api/v1/contacts?q=${encodeURIComponent(m.primaryEmail)}`)).json().items;
    expect(found.map((x: { id: string }) => x.id)).toEqual([s.id]);
    const undo = await post(`/api/v1/merges/${res.json().mergeId}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect((await get(`/api/v1/contacts/${m.id}`)).json().primaryEmail).toBe(m.primaryEmail);
    expect((await get(`/api/v1/contacts/${s.id}`)).json().primaryEmail).toBe(s.primaryEmail);
  });

  it('refuses bad input with the field path', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    const cases: [unknown, string][] = [
      [{ survivorId: a.id, mergedIds: [] }, 'mergedIds'],
      [{ survivorId: a.id, mergedIds: Array.from({ length: 10 }, () => randomUUID()) }, 'mergedIds'],
      [{ survivorId: a.id, mergedIds: [a.id] }, 'mergedIds'],
      [{ survivorId: a.id, mergedIds: [b.id], fields: { firstName: randomUUID() } }, 'fields.firstName'],
      [{ survivorId: a.id, mergedIds: [b.id], fields: { version: b.id } }, 'fields.version'],
    ];
    for (const [body, path] of cases) {
      const res = await post('/api/v1/contacts/merge', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    }
    // nothing was written
    expect((await get(`/api/v1/contacts/${b.id}`)).json().version).toBe(b.version);
  });

  it('answers 404 for a contact or a merge of another team, and 403 without modifyContacts', async () => {
    const other = await createTeam(ctx);
    const mine = await createContact(ctx, team);
    const mine2 = await createContact(ctx, team);
    const theirs = await createContact(ctx, other);
    expect((await post('/api/v1/contacts/merge', { survivorId: mine.id, mergedIds: [theirs.id] })).statusCode).toBe(404);
    expect((await post('/api/v1/contacts/merge', { survivorId: theirs.id, mergedIds: [mine.id] })).statusCode).toBe(404);
    expect((await get(`/api/v1/contacts/${theirs.id}`, other.ownerToken)).json().version).toBe(theirs.version);
    const ok = await post('/api/v1/contacts/merge', { survivorId: mine.id, mergedIds: [mine2.id] });
    expect(ok.statusCode).toBe(200);
    expect((await post(`/api/v1/merges/${ok.json().mergeId}/undo`, {}, other.ownerToken)).statusCode).toBe(404);
    expect((await get('/api/v1/merges', other.ownerToken)).json().items).toEqual([]);
    const agent = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    expect((await post(`/api/v1/merges/${ok.json().mergeId}/undo`, {}, agent.token)).statusCode).toBe(403);
    expect((await post('/api/v1/contacts/merge', { survivorId: mine.id, mergedIds: [mine2.id] }, agent.token)).statusCode).toBe(403);
  });

  it('merges a contact managed by Contact Sync only into itself', async () => {
    const synced = await createContact(ctx, team, { firstName: 'Dana', lastName: 'Directory' });
    const synced2 = await createContact(ctx, team);
    const plain = await createContact(ctx, team);
    await sql`UPDATE contacts SET directory_connection_id = ${randomUUID()}, directory_sync_id = ${uid()}
              WHERE id = ANY(${[synced.id, synced2.id]}::uuid[])`.execute(ctx.db);
    const away = await post('/api/v1/contacts/merge', { survivorId: plain.id, mergedIds: [synced.id] });
    expect(away.statusCode).toBe(409);
    expect(away.json().message).toMatch(/Dana Directory is managed by Contact Sync.*primary/);
    expect(away.json().details).toEqual([expect.objectContaining({ path: 'mergedIds.0' })]);
    const both = await post('/api/v1/contacts/merge', { survivorId: synced.id, mergedIds: [synced2.id] });
    expect(both.statusCode).toBe(409);
    const into = await post('/api/v1/contacts/merge', { survivorId: synced.id, mergedIds: [plain.id] });
    expect(into.statusCode, into.body).toBe(200);
  });

  it('points who reported to a merged contact, and its ticket notifications, at the survivor; undo points them back', async () => {
    const s = await createContact(ctx, team, { firstName: 'Survivor' });
    const m1 = await createContact(ctx, team, { firstName: 'Merged one' });
    const m2 = await createContact(ctx, team, { firstName: 'Merged two' });
    const other = await createContact(ctx, team, { firstName: 'Elsewhere' });
    const r1 = await createContact(ctx, team, { firstName: 'Report one', directory: { reportsToContactId: m1.id } });
    const r2 = await createContact(ctx, team, { firstName: 'Report two', directory: { reportsToContactId: m2.id } });
    // the survivor reported to one it absorbs: it cannot report to itself, so to no one (undo puts it back)
    const sv = await call(ctx, t, 'PATCH', `/api/v1/contacts/${s.id}`, { directory: { reportsToContactId: m2.id } });
    expect(sv.statusCode, sv.body).toBe(200);
    // ticket notifications have no foreign key (they stay after the contact is erased): m1 and the survivor
    // were both notified of one event, which the survivor keeps once
    const [e1, e2, e3] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [event, contactId] of [
      [e1, m1.id],
      [e2, m1.id],
      [e2, s.id],
      [e3, m2.id],
    ]) {
      await sql`INSERT INTO ticket_notifications (event_id, contact_id, team_id, kind, created_at)
        VALUES (${event}, ${contactId}, ${team.teamId}, 'reply', now())`.execute(ctx.db);
    }
    const notified = async (contactId: string) =>
      (
        await sql<{ eventId: string }>`SELECT event_id FROM ticket_notifications WHERE contact_id = ${contactId} ORDER BY event_id`.execute(
          ctx.db,
        )
      ).rows.map((x) => x.eventId);
    const reportsTo = async (id: string) => (await get(`/api/v1/contacts/${id}`)).json().directory.reportsToContactId;
    const notifiedBefore = { s: await notified(s.id), m1: await notified(m1.id), m2: await notified(m2.id) };

    const res = await post('/api/v1/contacts/merge', { survivorId: s.id, mergedIds: [m1.id, m2.id] });
    expect(res.statusCode, res.body).toBe(200);
    const { mergeId, contact } = res.json();
    expect(contact.directory.reportsToContactId).toBeNull();
    expect(await reportsTo(r1.id)).toBe(s.id);
    expect(await reportsTo(r2.id)).toBe(s.id);
    // written by the contact writer: a version bump and a line in the contact's history
    const r1Now = (await get(`/api/v1/contacts/${r1.id}`)).json();
    expect(r1Now.version).toBe(r1.version + 1);
    const h = (await get(`/api/v1/contacts/${r1.id}/history`)).json().items as { action: string; changes: unknown }[];
    expect(h[0]).toMatchObject({ action: 'update', changes: { 'directory.reportsToContactId': { before: m1.id, after: s.id } } });
    expect(await notified(s.id)).toEqual([e1, e2, e3].sort());
    expect(await notified(m1.id)).toEqual([]);
    expect(await notified(m2.id)).toEqual([]);

    // r2 is pointed elsewhere after the merge: undo leaves that choice alone
    expect((await call(ctx, t, 'PATCH', `/api/v1/contacts/${r2.id}`, { directory: { reportsToContactId: other.id } })).statusCode).toBe(
      200,
    );
    const undo = await post(`/api/v1/merges/${mergeId}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(await reportsTo(s.id)).toBe(m2.id);
    expect(await reportsTo(r1.id)).toBe(m1.id);
    expect(await reportsTo(r2.id)).toBe(other.id);
    const r1History = (await get(`/api/v1/contacts/${r1.id}/history`)).json().items as { changes: unknown }[];
    expect(r1History[0]).toMatchObject({ changes: { 'directory.reportsToContactId': { before: s.id, after: m1.id } } });
    expect({ s: await notified(s.id), m1: await notified(m1.id), m2: await notified(m2.id) }).toEqual(notifiedBefore);
  });

  it('does not undo over changes made to the survivor after the merge', async () => {
    const s = await createContact(ctx, team);
    const m = await createContact(ctx, team);
    const res = await post('/api/v1/contacts/merge', { survivorId: s.id, mergedIds: [m.id] });
    await call(ctx, t, 'PATCH', `/api/v1/contacts/${s.id}`, { jobTitle: 'Edited later' });
    const undo = await post(`/api/v1/merges/${res.json().mergeId}/undo`);
    expect(undo.statusCode).toBe(409);
    expect(undo.json().message).toMatch(/changed after the merge/);
    expect((await get(`/api/v1/contacts/${s.id}`)).json().jobTitle).toBe('Edited later');
  });
});

describe('GET /api/v1/contacts/duplicates', () => {
  it('finds groups by email (primary or labeled, any case), E.164 phone and name at the same company, live and by a scan job', async () => {
    const tm = await createTeam(ctx);
    const c = (input: Record<string, unknown>) => createContact(ctx, tm, input);
    const company = (await call(ctx, tm.ownerToken, 'POST', '/api/v1/companies', { name: 'Acme' })).json();
    const shared = `Shared-${uid()}@Example.com`;
    const a = await c({ primaryEmail: shared, firstName: 'A' });
    const b = await c({ emails: { old: shared.toUpperCase() }, firstName: 'B' });
    const p1 = await c({ phones: { work: '+1 (555) 123-4567' }, firstName: 'P1' });
    const p2 = await c({ phones: { mobile: '555.123.4567' }, firstName: 'P2' });
    const n1 = await c({ firstName: 'Jo', lastName: 'Smith', companyId: company.id });
    const n2 = await c({ firstName: 'jo', lastName: 'SMITH', companyId: company.id });
    await c({ firstName: 'Jo', lastName: 'Smith' }); // same name, no company: not a candidate
    await c({ firstName: 'Alone' });

    const live = await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/duplicates');
    expect(live.statusCode, live.body).toBe(200);
    const groups = (x: { items: { reason: string; contactIds: string[] }[] }) =>
      x.items.map((g) => `${g.reason}:${[...g.contactIds].sort().join(',')}`).sort();
    const expected = [
      `email:${[a.id, b.id].sort().join(',')}`,
      `name:${[n1.id, n2.id].sort().join(',')}`,
      `phone:${[p1.id, p2.id].sort().join(',')}`,
    ].sort();
    expect(groups(live.json())).toEqual(expected);
    expect(live.json().items[0].contacts).toHaveLength(2);

    // a page at a time, each group once
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { reason: string; contactIds: string[] }[]; nextCursor: string | null } = (
        await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/duplicates?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...groups(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(expected);

    const scan = await call(ctx, tm.ownerToken, 'POST', '/api/v1/contacts/duplicates/scan');
    expect(scan.statusCode).toBe(202);
    await ctx.runJobs();
    const job = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/jobs/${scan.json().jobId}`)).json();
    expect(job).toMatchObject({ status: 'succeeded', processed: 3, total: 3, result: { groups: 3 } });
    const scanned = (await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/duplicates?source=scan')).json();
    expect(groups(scanned)).toEqual(expected);
    expect(scanned.scan).toMatchObject({ groups: 3, finishedAt: expect.any(String) });

    // merged groups leave the list; other teams see none of it
    await call(ctx, tm.ownerToken, 'POST', '/api/v1/contacts/merge', { survivorId: a.id, mergedIds: [b.id] });
    expect(groups((await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/duplicates?source=scan')).json())).toHaveLength(2);
    expect(groups((await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/duplicates')).json())).toHaveLength(2);
    expect((await call(ctx, t, 'GET', '/api/v1/contacts/duplicates?source=scan')).json().items).toEqual([]);
    expect((await call(ctx, tm.ownerToken, 'GET', '/api/v1/contacts/duplicates?cursor=nope')).statusCode).toBe(400);
  });

  it('keys contacts by the same emails as the original one-query contact_email_keys, and the look-up still uses its index', async () => {
    // the original definition (migration 0030), evaluated inline as the oracle
    const oracle = (pe: string | null, emails: string) => sql<{ k: string[] }>`
      SELECT coalesce(array_agg(DISTINCT e), '{}'::text[]) AS k FROM (
        SELECT lower(${pe}::text) AS e WHERE ${pe}::text IS NOT NULL
        UNION ALL
        SELECT lower(v) FROM json_each_text(CASE WHEN json_typeof(${emails}::json) = 'object' THEN ${emails}::json ELSE '{}'::json END) AS j(k, v)
      ) x WHERE e IS NOT NULL AND e <> ''`;
    const cases: [string | null, string][] = [
      ['Ann@Example.COM', '{}'],
      [null, '{}'],
      ['', '{}'],
      ['İstanbul@Örnek.TR', '{}'],
      ['a@x.org', '{"old":"A@X.org"}'],
      ['a@x.org', '{"old":"b@x.org","home":"B@X.ORG","none":""}'],
      [null, '{"old":"Zed@x.org","new":"amy@x.org"}'],
      ['a@x.org', '{ }'],
      ['a@x.org', 'null'],
      ['a@x.org', '["b@x.org"]'],
      ['a@x.org', '"b@x.org"'],
    ];
    for (const [pe, emails] of cases) {
      const got = await sql<{ k: string[] }>`SELECT contact_email_keys(${pe}::text, ${emails}::json) AS k`.execute(ctx.db);
      const want = await oracle(pe, emails).execute(ctx.db);
      expect(got.rows[0]!.k, `${pe} ${emails}`).toEqual(want.rows[0]!.k);
    }
    // maintenance may run with only pg_catalog on the search_path (ANALYZE of the index, a restore): the inlined
    // body still finds its helper
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(ctx.db)).rows[0]!.s;
    const keys = await ctx.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL search_path = pg_catalog`.execute(tx);
      return (
        await sql<{ k: string[] }>`SELECT ${sql.id(schema, 'contact_email_keys')}('A@x.org', '{"old":"B@x.org"}'::json) AS k`.execute(tx)
      ).rows[0]!.k;
    });
    expect(keys).toEqual(['a@x.org', 'b@x.org']);
    // the stored contacts: every row keyed as the original definition keys it
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM contacts c CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(DISTINCT e), '{}'::text[]) AS k FROM (
          SELECT lower(c.primary_email) AS e WHERE c.primary_email IS NOT NULL
          UNION ALL
          SELECT lower(v) FROM json_each_text(CASE WHEN json_typeof(c.emails) = 'object' THEN c.emails ELSE '{}'::json END) AS j(k, v)
        ) x WHERE e IS NOT NULL AND e <> '') o
      WHERE contact_email_keys(c.primary_email, c.emails) IS DISTINCT FROM o.k`.execute(ctx.db);
    expect(r.rows[0]!.n).toBe(0);
    // the duplicate finder's look-up matches the index expression (both are inlined alike): with the other
    // indexes out of the way (dropped in a transaction rolled back) and sequential scans off, it is planned on it
    const plan = await ctx.db
      .transaction()
      .execute(async (tx) => {
        const others = await sql<{ name: string }>`
          SELECT indexrelid::regclass::text AS name FROM pg_index
          WHERE indrelid = 'contacts'::regclass AND NOT indisprimary AND indexrelid <> 'contacts_email_keys_idx'::regclass`.execute(tx);
        for (const { name } of others.rows) await sql`DROP INDEX ${sql.raw(name)}`.execute(tx);
        await sql`SET LOCAL enable_seqscan = off`.execute(tx);
        const p = await sql<{ 'QUERY PLAN': string }>`
          EXPLAIN SELECT id FROM contacts o WHERE o.deleted_at IS NULL
            AND contact_email_keys(o.primary_email, o.emails) @> ARRAY['ann@example.com']`.execute(tx);
        throw Object.assign(new Error('rollback'), { plan: p.rows.map((x) => x['QUERY PLAN']).join('\n') });
      })
      .catch((err: { plan?: string }) => err.plan ?? '');
    expect(plan).toContain('Bitmap Index Scan on contacts_email_keys_idx');
  });

  it('bulk-merges groups as a job, reporting the groups that cannot merge', async () => {
    const s1 = await createContact(ctx, team);
    const m1 = await createContact(ctx, team);
    const s2 = await createContact(ctx, team);
    const res = await post('/api/v1/contacts/merge/bulk', {
      groups: [
        { survivorId: s1.id, mergedIds: [m1.id] },
        { survivorId: s2.id, mergedIds: [randomUUID()] },
      ],
    });
    expect(res.statusCode).toBe(202);
    await ctx.runJobs();
    const job = (await get(`/api/v1/jobs/${res.json().jobId}`)).json();
    expect(job).toMatchObject({ status: 'succeeded', processed: 2, total: 2, result: { merged: 1, failed: [{ survivorId: s2.id }] } });
    expect((await get(`/api/v1/contacts/${m1.id}`)).statusCode).toBe(404);
    expect((await get('/api/v1/merges')).json().items.map((x: { survivorId: string }) => x.survivorId)).toContain(s1.id);
  });
});

describe('POST /api/v1/contacts/:id/primary-email', () => {
  it('promotes a labeled email, keeps or drops the old one, and ends portal sessions', async () => {
    const alt = `alt-${uid()}@example.com`;
    const c = await createContact(ctx, team, { emails: { work: alt } });
    await seedPortalRows(c.id, { session: true });
    const res = await post(`/api/v1/contacts/${c.id}/primary-email`, { email: alt.toUpperCase(), keepOld: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ primaryEmail: alt, emails: { other: c.primaryEmail } });
    const sessions = await sql<{ n: number }>`SELECT count(*)::int AS n FROM portal_sessions WHERE contact_id = ${c.id}`.execute(ctx.db);
    expect(sessions.rows[0]!.n).toBe(0);
    const fresh = `fresh-${uid()}@example.com`;
    const dropped = await post(`/api/v1/contacts/${c.id}/primary-email`, { email: fresh, keepOld: false });
    expect(dropped.json()).toMatchObject({ primaryEmail: fresh, emails: { other: c.primaryEmail } });
    const history = (await get(`/api/v1/contacts/${c.id}/history`)).json().items;
    expect(history[0].changes.primaryEmail).toEqual({ before: alt, after: fresh });
  });

  it('answers 409 for an address another contact holds, 400 for a bad one, 412 on a stale version', async () => {
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    expect((await post(`/api/v1/contacts/${a.id}/primary-email`, { email: b.primaryEmail, keepOld: true })).statusCode).toBe(409);
    const bad = await post(`/api/v1/contacts/${a.id}/primary-email`, { email: 'nope', keepOld: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('email');
    const stale = await call(
      ctx,
      t,
      'POST',
      `/api/v1/contacts/${a.id}/primary-email`,
      { email: `z-${uid()}@example.com`, keepOld: false },
      { 'if-match': '"99"' },
    );
    expect(stale.statusCode).toBe(412);
  });
});
