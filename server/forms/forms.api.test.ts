import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createMember, createTeam, createTestContext, uid, type TestContext, type TestTeam } from '../../test/harness.ts';
import { ORIGIN, createContact, signIn } from '../portal/portal-test-support.ts';
import type { Actor } from '../auth/actor.ts';
import { ASSIGN_INLINE_MAX } from './forms.service.ts';

let ctx: TestContext;
let team: TestTeam;
let t: string;

beforeAll(async () => {
  ctx = await createTestContext();
  team = await createTeam(ctx, 'Acme Support');
  t = team.ownerToken;
});
afterAll(() => ctx?.close());

const fields = [
  { key: 'company_size', label: 'Company size', type: 'number', required: true },
  { key: 'start', label: 'Start date', type: 'date' },
  { key: 'plan', label: 'Plan', type: 'select', options: ['Basic', 'Pro'], required: true },
  { key: 'notes', label: 'Anything else?', type: 'textarea' },
  { key: 'terms', label: 'I accept the terms', type: 'checkbox', required: true },
];

async function newForm(tm: TestTeam, body: Record<string, unknown> = {}) {
  const res = await call(ctx, tm.ownerToken, 'POST', '/api/v1/forms', { name: `Onboarding ${uid()}`, fields, ...body });
  if (res.statusCode !== 201) throw new Error(`newForm: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; name: string; fields: { key: string }[]; openCount: number; submittedCount: number };
}

const assign = (tm: TestTeam, formId: string, body: object, token = tm.ownerToken) =>
  call(ctx, token, 'POST', `/api/v1/forms/${formId}/assignments`, body);

async function mailsTo(to: string, kind = 'form.assigned') {
  return ctx.db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', to).where('kind', '=', kind).execute();
}

const portal = (slug: string, cookie: string, method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) =>
  ctx.app.inject({
    method,
    url: `/portal/api/${slug}${path}`,
    headers: { cookie, ...(method !== 'GET' ? { origin: ORIGIN, host: 'localhost' } : {}) },
    ...(payload ? { payload } : {}),
  });

const systemOf = (tm: TestTeam): Actor => ({
  type: 'system',
  via: 'cli',
  teamId: tm.teamId,
  memberId: null,
  label: 'test',
  role: 'owner',
  permissions: { modifyContacts: true, importContacts: true, exportContacts: true },
});

describe('POST /api/v1/forms (the builder)', () => {
  it('stores a definition with every field type and answers it with counts', async () => {
    const f = await newForm(team, { description: 'Tell us about you' });
    const got = (await call(ctx, t, 'GET', `/api/v1/forms/${f.id}`)).json();
    expect(got).toMatchObject({ name: f.name, description: 'Tell us about you', openCount: 0, submittedCount: 0 });
    expect(got.fields.map((x: { type: string }) => x.type)).toEqual(['number', 'date', 'select', 'textarea', 'checkbox']);
    expect(got.fields[2]).toEqual({ key: 'plan', label: 'Plan', type: 'select', required: true, options: ['Basic', 'Pro'], help: null });
    const list = (await call(ctx, t, 'GET', `/api/v1/forms?q=${encodeURIComponent(f.name)}`)).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([f.id]);
  });

  it('answers 400 with the path of every problem of the definition', async () => {
    const res = await call(ctx, t, 'POST', '/api/v1/forms', {
      name: ' ',
      fields: [
        { key: 'a', label: 'A', type: 'text' },
        { key: 'a', label: '', type: 'select' },
        { key: 'b', label: 'B', type: 'date', options: ['x'] },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.map((d: { path: string }) => d.path)).toEqual([
      'name',
      'fields.1.label',
      'fields.1.key',
      'fields.1.options',
      'fields.2.options',
    ]);
    const badType = await call(ctx, t, 'POST', '/api/v1/forms', { name: 'x', fields: [{ key: 'a', label: 'A', type: 'file' }] });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().details[0].path).toBe('fields.0.type');
    const none = await call(ctx, t, 'POST', '/api/v1/forms', { name: 'x', fields: [] });
    expect(none.json().details).toEqual([{ path: 'fields', message: 'A form needs at least one field' }]);
  });

  it('lets owners and admins build forms; agents only read them', async () => {
    const admin = await createMember(ctx, team, { role: 'admin' });
    const agent = await createMember(ctx, team, { role: 'agent' });
    expect((await call(ctx, admin.token, 'POST', '/api/v1/forms', { name: 'By admin', fields })).statusCode).toBe(201);
    expect((await call(ctx, agent.token, 'POST', '/api/v1/forms', { name: 'By agent', fields })).statusCode).toBe(403);
    const f = await newForm(team);
    expect((await call(ctx, agent.token, 'PATCH', `/api/v1/forms/${f.id}`, { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'DELETE', `/api/v1/forms/${f.id}`)).statusCode).toBe(403);
    expect((await call(ctx, agent.token, 'GET', `/api/v1/forms/${f.id}`)).statusCode).toBe(200);
  });

  it('changes a form and records it in the audit log', async () => {
    const f = await newForm(team);
    const res = await call(ctx, t, 'PATCH', `/api/v1/forms/${f.id}`, {
      name: 'Renamed',
      fields: [...fields, { key: '', label: 'Phone', type: 'text' }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().fields.at(-1).key).toBe('phone');
    const bad = await call(ctx, t, 'PATCH', `/api/v1/forms/${f.id}`, { fields: [{ key: 'x', label: 'X', type: 'select', options: [] }] });
    expect(bad.json().details).toEqual([{ path: 'fields.0.options', message: 'A choice list needs at least one option' }]);
    const audit = (await call(ctx, t, 'GET', `/api/v1/audit?entityType=form&entityId=${f.id}`)).json();
    expect(audit.items.map((a: { action: string }) => a.action)).toEqual(['update', 'create']);
  });
});

describe('POST /api/v1/forms/:id/assignments', () => {
  it('assigns eligible contacts and names every refused one with its reason', async () => {
    const f = await newForm(team);
    const ok = await createContact(ctx, team);
    const inactive = await createContact(ctx, team, { permissions: { active: false } });
    const noAccess = await createContact(ctx, team, { permissions: { portalAccess: false } });
    const res = await assign(team, f.id, { contactIds: [ok.id, inactive.id, noAccess.id, ok.id] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.assigned).toEqual([ok.id]);
    expect(body.alreadyAssigned).toEqual([]);
    expect(body.refused).toEqual([
      { contactId: inactive.id, name: expect.stringContaining('Pat'), code: 'contact_inactive' },
      { contactId: noAccess.id, name: expect.stringContaining('Pat'), code: 'no_portal_access' },
    ]);
    // again: nothing new, nobody mailed twice
    const again = (await assign(team, f.id, { contactIds: [ok.id, inactive.id] })).json();
    expect(again).toMatchObject({ assigned: [], alreadyAssigned: [ok.id], notified: 0 });
    expect(await mailsTo(ok.primaryEmail)).toHaveLength(1);
    expect((await call(ctx, t, 'GET', `/api/v1/forms/${f.id}`)).json().openCount).toBe(1);
  });

  it('answers 409 with the reason when the one contact asked for is refused', async () => {
    const f = await newForm(team);
    const inactive = await createContact(ctx, team, { permissions: { active: false } });
    const res = await assign(team, f.id, { contactIds: [inactive.id] });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('contact_inactive');
    const tm = await createTeam(ctx);
    await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { portalEnabled: false });
    const c = await createContact(ctx, tm);
    const off = await assign(tm, (await newForm(tm)).id, { contactIds: [c.id] });
    expect(off.statusCode).toBe(409);
    expect(off.json().code).toBe('portal_disabled');
  });

  it('answers 400 naming unknown and other teams’ contacts, and needs Modify contacts', async () => {
    const f = await newForm(team);
    const other = await createTeam(ctx);
    const theirs = await createContact(ctx, other);
    const mine = await createContact(ctx, team);
    const res = await assign(team, f.id, { contactIds: [mine.id, theirs.id, 'nope'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.map((d: { path: string }) => d.path)).toEqual(['contactIds.1', 'contactIds.2']);
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${mine.id}/forms`)).json().items).toEqual([]);
    const agent = await createMember(ctx, team, { permissions: { modifyContacts: false } });
    expect((await assign(team, f.id, { contactIds: [mine.id] }, agent.token)).statusCode).toBe(403);
  });

  it('assigns the directory selection by filter', async () => {
    const tm = await createTeam(ctx);
    const f = await newForm(tm);
    const a = await createContact(ctx, tm);
    const b = await createContact(ctx, tm, { permissions: { active: false } });
    const res = await assign(tm, f.id, { filter: { status: 'all' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().assigned).toEqual([a.id]);
    expect(res.json().refused).toEqual([{ contactId: b.id, name: expect.any(String), code: 'contact_inactive' }]);
  });

  describe('notifications (team rule AND contact preference)', () => {
    const cases: { teamOn: boolean; contactOn: boolean }[] = [];
    for (const teamOn of [true, false]) for (const contactOn of [true, false]) cases.push({ teamOn, contactOn });
    it.each(cases)(
      'team $teamOn AND contact $contactOn → mailed only when both allow, through the outbox',
      async ({ teamOn, contactOn }) => {
        const tm = await createTeam(ctx, `Brand ${uid()}`);
        await call(ctx, tm.ownerToken, 'PATCH', '/api/v1/settings', { notifications: { formAssignments: teamOn } });
        const c = await createContact(ctx, tm, { notifications: { formAssignments: contactOn } });
        const f = await newForm(tm, { name: 'W-9 details' });
        const res = (await assign(tm, f.id, { contactIds: [c.id] })).json();
        expect(res.assigned).toEqual([c.id]);
        const mails = await mailsTo(c.primaryEmail);
        expect(mails.length).toBe(teamOn && contactOn ? 1 : 0);
        expect(res.notified).toBe(mails.length);
        if (mails.length) {
          expect(mails[0]!.subject).toContain('W-9 details');
          expect(mails[0]!.subject).toMatch(/^\[Brand [^\]]+\] Please fill in: W-9 details$/);
          expect(mails[0]!.textBody).toContain(`/portal/${tm.slug}/forms/`);
        }
      },
    );
  });

  it(`runs above ${ASSIGN_INLINE_MAX} contacts as a job with progress and exact counts`, async () => {
    const tm = await createTeam(ctx);
    const n = ASSIGN_INLINE_MAX + 10;
    const inputs = Array.from({ length: n }, (_, i) => ({
      primaryEmail: `bulk-${i}@forms.example`,
      ...(i % 100 === 0 ? { permissions: { active: false } } : {}),
      ...(i % 100 === 1 ? { permissions: { portalAccess: false } } : {}),
    }));
    const created = await ctx.services.contacts.createMany(systemOf(tm), inputs as never);
    expect(created.failed).toEqual([]);
    const ids = (await ctx.db.selectFrom('contacts').select('id').where('teamId', '=', tm.teamId).execute()).map((r) => r.id);
    expect(ids).toHaveLength(n);
    const f = await newForm(tm);
    const res = await assign(tm, f.id, { contactIds: ids });
    expect(res.statusCode).toBe(202);
    expect(res.json().total).toBe(n);
    await ctx.runJobs();
    const job = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/jobs/${res.json().jobId}`)).json();
    const refusedN = Math.ceil(n / 100) + Math.ceil((n - 1) / 100);
    expect(job).toMatchObject({ status: 'succeeded', processed: n, total: n });
    expect(job.result).toMatchObject({ assigned: n - refusedN, alreadyAssigned: 0, missing: 0, notified: n - refusedN });
    expect(job.result.refused).toHaveLength(refusedN);
    expect(new Set(job.result.refused.map((r: { code: string }) => r.code))).toEqual(new Set(['contact_inactive', 'no_portal_access']));
    expect((await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}`)).json().openCount).toBe(n - refusedN);
    const outbox = await ctx.db
      .selectFrom('mailOutbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('teamId', '=', tm.teamId)
      .where('kind', '=', 'form.assigned')
      .executeTakeFirstOrThrow();
    expect(Number(outbox.n)).toBe(n - refusedN);
  });
});

describe('the portal: fill, keep a draft, submit once', () => {
  it('shows assigned forms, keeps a draft, checks each field and submits once', async () => {
    const f = await newForm(team, { name: 'Onboarding survey' });
    const c = await createContact(ctx, team);
    await assign(team, f.id, { contactIds: [c.id] });
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail);
    const list = (await portal(team.slug, cookie, 'GET', '/forms')).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ name: 'Onboarding survey', status: 'open', draftSavedAt: null });
    const id = list.items[0].id;

    const draft = await portal(team.slug, cookie, 'PUT', `/forms/${id}/draft`, { values: { company_size: 12, plan: 'Pro' } });
    expect(draft.statusCode).toBe(200);
    const reopened = (await portal(team.slug, cookie, 'GET', `/forms/${id}`)).json();
    expect(reopened.values).toEqual({ company_size: 12, plan: 'Pro' });
    expect(reopened.draftSavedAt).toBe(draft.json().draftSavedAt);
    // the agent sees it open, not the draft's values
    const open = (await call(ctx, t, 'GET', `/api/v1/forms/${f.id}/responses`)).json();
    expect(open.items[0]).toMatchObject({ status: 'open', values: null, draftSavedAt: draft.json().draftSavedAt });

    const bad = await portal(team.slug, cookie, 'POST', `/forms/${id}/response`, { values: { company_size: 'lots', plan: 'Gold' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([
      { path: 'values.company_size', message: 'Enter a number' },
      { path: 'values.plan', message: 'Choose one of the options' },
      { path: 'values.terms', message: 'Tick this box to continue' },
    ]);
    const values = { company_size: 12, plan: 'Pro', start: '2026-03-01', notes: '=1+1', terms: true };
    const ok = await portal(team.slug, cookie, 'POST', `/forms/${id}/response`, { values });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'submitted', values });
    const twice = await portal(team.slug, cookie, 'POST', `/forms/${id}/response`, { values });
    expect(twice.statusCode).toBe(409);
    expect((await portal(team.slug, cookie, 'PUT', `/forms/${id}/draft`, { values: {} })).statusCode).toBe(409);
    expect((await portal(team.slug, cookie, 'GET', `/forms/${id}`)).json()).toMatchObject({ status: 'submitted', values });
  });

  it('drops the draft answer of a field removed since, so it cannot block the submit', async () => {
    const f = await newForm(team);
    const c = await createContact(ctx, team);
    await assign(team, f.id, { contactIds: [c.id] });
    const { cookie } = await signIn(ctx, team.slug, c.primaryEmail);
    const id = (await portal(team.slug, cookie, 'GET', '/forms')).json().items[0].id;
    await portal(team.slug, cookie, 'PUT', `/forms/${id}/draft`, { values: { company_size: 3, notes: 'kept?' } });
    await call(ctx, t, 'PATCH', `/api/v1/forms/${f.id}`, { fields: fields.filter((x) => x.key !== 'notes') });
    const again = (await portal(team.slug, cookie, 'GET', `/forms/${id}`)).json();
    expect(again.values).toEqual({ company_size: 3 });
    const ok = await portal(team.slug, cookie, 'POST', `/forms/${id}/response`, {
      values: { ...again.values, plan: 'Basic', terms: true },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('shows a contact only their own forms (another contact’s assignment is 404)', async () => {
    const f = await newForm(team);
    const a = await createContact(ctx, team);
    const b = await createContact(ctx, team);
    await assign(team, f.id, { contactIds: [a.id, b.id] });
    const { cookie: ca } = await signIn(ctx, team.slug, a.primaryEmail);
    const { cookie: cb } = await signIn(ctx, team.slug, b.primaryEmail);
    const bId = (await portal(team.slug, cb, 'GET', '/forms')).json().items[0].id;
    expect((await portal(team.slug, ca, 'GET', `/forms/${bId}`)).statusCode).toBe(404);
    expect((await portal(team.slug, ca, 'POST', `/forms/${bId}/response`, { values: {} })).statusCode).toBe(404);
  });
});

describe('responses', () => {
  it('lists responses per form (paged) and per contact, and exports them as CSV, formula-neutralised', async () => {
    const tm = await createTeam(ctx);
    const f = await newForm(tm, { name: 'Feedback' });
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await createContact(ctx, tm, { firstName: i === 0 ? '=cmd' : 'Pat' }));
    await assign(tm, f.id, { contactIds: people.map((p) => p.id) });
    for (const p of people.slice(0, 2)) {
      const { cookie } = await signIn(ctx, tm.slug, p.primaryEmail);
      const id = (await portal(tm.slug, cookie, 'GET', '/forms')).json().items[0].id;
      const res = await portal(tm.slug, cookie, 'POST', `/forms/${id}/response`, {
        values: { company_size: 5, plan: 'Basic', notes: '@SUM(A1)', terms: true },
      });
      expect(res.statusCode).toBe(200);
    }
    const page1 = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}/responses?status=submitted&limit=1`)).json();
    expect(page1.total).toBe(2);
    expect(page1.items).toHaveLength(1);
    const page2 = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}/responses?status=submitted&limit=1&offset=1`)).json();
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    expect((await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}/responses?status=open`)).json().total).toBe(1);
    const mine = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/contacts/${people[0]!.id}/forms`)).json();
    expect(mine.items).toEqual([
      expect.objectContaining({ formName: 'Feedback', status: 'submitted', values: expect.objectContaining({ plan: 'Basic' }) }),
    ]);

    const csv = await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}/responses.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('responses-Feedback.csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'contactId,contactName,contactEmail,status,assignedAt,submittedAt,Company size,Start date,Plan,Anything else?,I accept the terms',
    );
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain(`'=cmd`);
    expect(csv.body).toContain(`'@SUM(A1)`);
    expect(lines[1]).toContain(',5,,Basic,');
    expect(lines[1]!.endsWith(',Yes')).toBe(true);
    const f2 = (await call(ctx, tm.ownerToken, 'GET', `/api/v1/forms/${f.id}`)).json();
    expect(f2).toMatchObject({ openCount: 1, submittedCount: 2 });
  });

  it('withdraws an open assignment but keeps a submitted response', async () => {
    const f = await newForm(team);
    const c = await createContact(ctx, team);
    await assign(team, f.id, { contactIds: [c.id] });
    const [r] = (await call(ctx, t, 'GET', `/api/v1/forms/${f.id}/responses`)).json().items;
    expect((await call(ctx, t, 'DELETE', `/api/v1/forms/${f.id}/assignments/${r.id}`)).statusCode).toBe(204);
    expect((await call(ctx, t, 'GET', `/api/v1/forms/${f.id}/responses`)).json().total).toBe(0);
  });
});

describe('forms across teams', () => {
  it('answers 404 for every route on another team’s form, response or contact', async () => {
    const other = await createTeam(ctx);
    const theirs = await newForm(other);
    const theirContact = await createContact(ctx, other);
    await assign(other, theirs.id, { contactIds: [theirContact.id] });
    const mine = await createContact(ctx, team);
    for (const [m, p, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'Mine now' }],
      ['DELETE', '', undefined],
      ['POST', '/assignments', { contactIds: [mine.id] }],
      ['GET', '/responses', undefined],
      ['GET', '/responses.csv', undefined],
    ] as const) {
      const res = await call(ctx, t, m, `/api/v1/forms/${theirs.id}${p}`, body);
      expect(res.statusCode, `${m} ${p}`).toBe(404);
    }
    expect((await call(ctx, t, 'GET', `/api/v1/contacts/${theirContact.id}/forms`)).statusCode).toBe(404);
    expect((await call(ctx, t, 'GET', '/api/v1/forms?limit=200')).json().items.some((x: { id: string }) => x.id === theirs.id)).toBe(false);
    // a contact of this team cannot open the other team's assignment in this team's portal
    const [theirAssignment] = (await call(ctx, other.ownerToken, 'GET', `/api/v1/forms/${theirs.id}/responses`)).json().items;
    const { cookie } = await signIn(ctx, team.slug, mine.primaryEmail);
    expect((await portal(team.slug, cookie, 'GET', `/forms/${theirAssignment.id}`)).statusCode).toBe(404);
    // the other team's form still has its assignment, untouched
    expect((await call(ctx, other.ownerToken, 'GET', `/api/v1/forms/${theirs.id}`)).json()).toMatchObject({
      name: theirs.name,
      openCount: 1,
    });
  });
});
