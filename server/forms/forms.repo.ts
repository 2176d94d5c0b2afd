// SQL of forms and their assignments (the responses). Every query is scoped by team. Contacts are only
// read here (eligibility, names); the contact writer is never bypassed because nothing here writes them.
import { sql } from 'kysely';
import type { Executor } from '../db/client.ts';
import type { ContactRow, FormAssignmentRow, FormRow } from '../db/schema.ts';

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** An assignment with what the lists show of its contact and form. */
export type AssignmentListed = FormAssignmentRow & {
  formName: string;
  firstName: string | null;
  lastName: string | null;
  primaryEmail: string | null;
};

export function createFormsRepo(db: Executor) {
  const listed = (tx: Executor) =>
    tx
      .selectFrom('formAssignments as a')
      .innerJoin('contacts as c', 'c.id', 'a.contactId')
      .innerJoin('forms as f', 'f.id', 'a.formId')
      .selectAll('a')
      .select(['f.name as formName', 'c.firstName', 'c.lastName', 'c.primaryEmail']);

  return {
    async find(teamId: string, id: string, o: { forUpdate?: boolean } = {}, tx: Executor = db): Promise<FormRow | undefined> {
      let q = tx.selectFrom('forms').selectAll().where('teamId', '=', teamId).where('id', '=', id);
      if (o.forUpdate) q = q.forUpdate();
      return q.executeTakeFirst();
    },

    async page(teamId: string, f: { text?: string; limit: number; offset: number }, tx: Executor = db) {
      let q = tx.selectFrom('forms').where('teamId', '=', teamId);
      if (f.text) q = q.where('name', 'ilike', `%${likeEscape(f.text)}%`);
      const [rows, total] = await Promise.all([
        q.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
        q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(total.n) };
    },

    /** Open and submitted assignments per form (of live contacts). */
    async counts(teamId: string, formIds: readonly string[], tx: Executor = db): Promise<Map<string, { open: number; submitted: number }>> {
      const out = new Map(formIds.map((id) => [id, { open: 0, submitted: 0 }]));
      if (!formIds.length) return out;
      const rows = await sql<{ formId: string; open: number; submitted: number }>`
        SELECT a.form_id, count(*) FILTER (WHERE a.submitted_at IS NULL)::int AS open,
               count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS submitted
        FROM form_assignments a JOIN contacts c ON c.id = a.contact_id AND c.deleted_at IS NULL
        WHERE a.team_id = ${teamId} AND a.form_id = ANY(${formIds}::uuid[])
        GROUP BY a.form_id`.execute(tx);
      for (const r of rows.rows) out.set(r.formId, { open: r.open, submitted: r.submitted });
      return out;
    },

    async insert(
      r: { id: string; teamId: string; name: string; description: string | null; fields: unknown; createdBy: string | null; at: Date },
      tx: Executor = db,
    ): Promise<void> {
      await tx
        .insertInto('forms')
        .values({
          id: r.id,
          teamId: r.teamId,
          name: r.name,
          description: r.description,
          fields: JSON.stringify(r.fields),
          createdBy: r.createdBy,
          createdAt: r.at,
          updatedAt: r.at,
        })
        .execute();
    },

    async update(
      teamId: string,
      id: string,
      set: { name?: string; description?: string | null; fields?: unknown; updatedAt: Date },
      tx: Executor = db,
    ): Promise<void> {
      const { fields, ...rest } = set;
      await tx
        .updateTable('forms')
        .set({ ...rest, ...(fields !== undefined ? { fields: JSON.stringify(fields) } : {}) })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .execute();
    },

    async remove(teamId: string, id: string, tx: Executor = db): Promise<void> {
      await tx.deleteFrom('forms').where('teamId', '=', teamId).where('id', '=', id).execute();
    },

    /** Live contacts of the team among `ids` (unknown, foreign and trashed ones are absent). */
    async liveContacts(teamId: string, ids: readonly string[], tx: Executor = db): Promise<ContactRow[]> {
      if (!ids.length) return [];
      return tx
        .selectFrom('contacts')
        .selectAll()
        .where('teamId', '=', teamId)
        .where('id', 'in', ids)
        .where('deletedAt', 'is', null)
        .execute();
    },

    /** Assigns the form to contacts; those with it open already are left alone. Answers the new rows. */
    async assign(
      rows: {
        id: string;
        teamId: string;
        formId: string;
        contactId: string;
        assignedBy: string | null;
        assignedByName: string;
        at: Date;
      }[],
      tx: Executor = db,
    ): Promise<{ id: string; contactId: string }[]> {
      if (!rows.length) return [];
      return tx
        .insertInto('formAssignments')
        .values(
          rows.map((r) => ({
            id: r.id,
            teamId: r.teamId,
            formId: r.formId,
            contactId: r.contactId,
            assignedBy: r.assignedBy,
            assignedByName: r.assignedByName,
            assignedAt: r.at,
          })),
        )
        .onConflict((oc) => oc.columns(['formId', 'contactId']).where('submittedAt', 'is', null).doNothing())
        .returning(['id', 'contactId'])
        .execute();
    },

    /** A page of a form's assignments, newest first, of live contacts. */
    async responses(
      teamId: string,
      formId: string,
      f: { status: 'open' | 'submitted' | 'all'; limit: number; offset: number },
      tx: Executor = db,
    ) {
      let q = listed(tx).where('a.teamId', '=', teamId).where('a.formId', '=', formId).where('c.deletedAt', 'is', null);
      if (f.status === 'open') q = q.where('a.submittedAt', 'is', null);
      if (f.status === 'submitted') q = q.where('a.submittedAt', 'is not', null);
      let count = tx
        .selectFrom('formAssignments as a')
        .innerJoin('contacts as c', 'c.id', 'a.contactId')
        .where('a.teamId', '=', teamId)
        .where('a.formId', '=', formId)
        .where('c.deletedAt', 'is', null);
      if (f.status === 'open') count = count.where('a.submittedAt', 'is', null);
      if (f.status === 'submitted') count = count.where('a.submittedAt', 'is not', null);
      const [rows, total] = await Promise.all([
        q.orderBy('a.assignedAt', 'desc').orderBy('a.id', 'desc').limit(f.limit).offset(f.offset).execute(),
        count.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows: rows as AssignmentListed[], total: Number(total.n) };
    },

    /** Submitted responses after a keyset position (submitted_at, id), oldest first: the CSV export's pages. */
    async submittedAfter(teamId: string, formId: string, after: { at: Date; id: string } | null, limit: number, tx: Executor = db) {
      let q = listed(tx)
        .where('a.teamId', '=', teamId)
        .where('a.formId', '=', formId)
        .where('c.deletedAt', 'is', null)
        .where('a.submittedAt', 'is not', null);
      if (after) q = q.where(sql<boolean>`(a.submitted_at, a.id) > (${after.at}, ${after.id}::uuid)`);
      return (await q.orderBy('a.submittedAt').orderBy('a.id').limit(limit).execute()) as AssignmentListed[];
    },

    /** A contact's assignments, newest first (at most `limit`). */
    async ofContact(teamId: string, contactId: string, limit: number, tx: Executor = db) {
      return (await listed(tx)
        .where('a.teamId', '=', teamId)
        .where('a.contactId', '=', contactId)
        .orderBy('a.assignedAt', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit)
        .execute()) as AssignmentListed[];
    },

    /** One assignment of the contact with its form's definition. */
    async ofContactWithForm(teamId: string, contactId: string, id: string, o: { forUpdate?: boolean } = {}, tx: Executor = db) {
      let q = tx
        .selectFrom('formAssignments as a')
        .innerJoin('forms as f', 'f.id', 'a.formId')
        .selectAll('a')
        .select(['f.name as formName', 'f.description as formDescription', 'f.fields as formFields'])
        .where('a.teamId', '=', teamId)
        .where('a.contactId', '=', contactId)
        .where('a.id', '=', id);
      if (o.forUpdate) q = q.forUpdate();
      return q.executeTakeFirst();
    },

    async listForContact(teamId: string, contactId: string, limit: number, tx: Executor = db) {
      return tx
        .selectFrom('formAssignments as a')
        .innerJoin('forms as f', 'f.id', 'a.formId')
        .selectAll('a')
        .select(['f.name as formName', 'f.description as formDescription'])
        .where('a.teamId', '=', teamId)
        .where('a.contactId', '=', contactId)
        .orderBy(sql`a.submitted_at IS NOT NULL`)
        .orderBy('a.assignedAt', 'desc')
        .limit(limit)
        .execute();
    },

    async saveDraft(teamId: string, id: string, values: Record<string, unknown>, at: Date, tx: Executor = db): Promise<boolean> {
      const r = await tx
        .updateTable('formAssignments')
        .set({ draft: JSON.stringify(values), draftSavedAt: at })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('submittedAt', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Submits once: answers false when it was submitted already. */
    async submit(teamId: string, id: string, values: Record<string, unknown>, at: Date, tx: Executor = db): Promise<boolean> {
      const r = await tx
        .updateTable('formAssignments')
        .set({ responseValues: JSON.stringify(values), submittedAt: at, draft: null })
        .where('teamId', '=', teamId)
        .where('id', '=', id)
        .where('submittedAt', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Withdraws an open assignment (a submitted response stays). */
    async withdraw(teamId: string, formId: string, id: string, tx: Executor = db): Promise<'withdrawn' | 'submitted' | 'missing'> {
      const row = await tx
        .selectFrom('formAssignments')
        .select(['id', 'submittedAt'])
        .where('teamId', '=', teamId)
        .where('formId', '=', formId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return 'missing';
      if (row.submittedAt) return 'submitted';
      await tx.deleteFrom('formAssignments').where('id', '=', id).execute();
      return 'withdrawn';
    },
  };
}
export type FormsRepo = ReturnType<typeof createFormsRepo>;
