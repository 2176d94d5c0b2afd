// Forms: the builder (owners and admins), assignments to contacts (the member permission "Modify
// contacts"), the portal side (fill, keep a draft, submit once) and the responses agents read and export.
// The service owns the transactions: assignments, their audit rows and their notification mails are
// written together, so a mail exists exactly when its assignment does. An assignment of more than
// ASSIGN_INLINE_MAX contacts runs as an engine job (`forms.assign`) with progress and exact counts.
import { AppError } from '#shared/errors.ts';
import {
  FORM_ASSIGN_FILTER_MAX,
  assignmentRefusalText,
  formField,
  type AssignInput,
  type AssignJobResult,
  type AssignResult,
  type Form,
  type FormField,
  type FormInput,
  type FormListQuery,
  type FormPage,
  type FormPatch,
  type FormResponse,
  type FormValues,
  type PortalFormDetail,
  type PortalFormSummary,
  type RefusedContact,
  type ResponseListQuery,
  type ResponsePage,
} from '#shared/form.schema.ts';
import type { ContactFilter } from '#shared/contact.schema.ts';
import { z } from 'zod';
import type { Actor } from '../auth/actor.ts';
import { rowToFields } from '../contacts/contacts.presenter.ts';
import { shouldNotify } from '../contacts/contact-policy.rules.ts';
import { auditByContact, createAuditWriter, type Changes } from '../contacts/contacts.writer.ts';
import type { ContactsService } from '../contacts/contacts.service.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow, FormRow } from '../db/schema.ts';
import { csvLine } from '../imports/csv-writer.ts';
import type { JobsService } from '../jobs/jobs.service.ts';
import type { JobContext } from '../jobs/runner.ts';
import type { MailService } from '../mail/mail.service.ts';
import { trustedMailBase } from '../portal/portal.rules.ts';
import type { TeamsService } from '../teams/teams.service.ts';
import { readSettings } from '../teams/teams.rules.ts';
import { displayName } from '../tickets/tickets.rules.ts';
import { assignmentRefusal, requireAssigner, requireFormBuilder } from './forms.policy.ts';
import { createFormsRepo, type AssignmentListed } from './forms.repo.ts';
import { renderAssignmentMail, responseCsvCells, responsesCsvHeader, validateDefinition, validateValues } from './forms.rules.ts';

/** Up to this many contacts are assigned in the request; more run as a job with progress. */
export const ASSIGN_INLINE_MAX = 2_000;
/** Contacts per transaction of the job. */
export const ASSIGN_BATCH = 500;
export const ASSIGN_JOB_KIND = 'forms.assign';
/** A contact page lists at most this many of their forms. */
const CONTACT_FORMS_MAX = 200;
const CSV_PAGE = 1_000;

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d));
const storedFields = z.array(formField);
const fieldsOf = (raw: unknown): FormField[] => storedFields.parse(raw);

/** A draft against the form as it is now: answers to fields removed since are left out, so they cannot block a submit. */
const draftOf = (fields: readonly FormField[], draft: FormValues | null): FormValues =>
  Object.fromEntries(Object.entries(draft ?? {}).filter(([k]) => fields.some((f) => f.key === k)));

/** What a portal session gives the portal routes. */
export interface FormsPortalContext {
  contact: ContactRow;
  team: { id: string; name: string; slug: string };
}

type Team = Awaited<ReturnType<TeamsService['getTeam']>>;

export function createFormsService(deps: {
  db: Db;
  teams: Pick<TeamsService, 'getTeam'>;
  mail: Pick<MailService, 'enqueueMany'>;
  jobs: Pick<JobsService, 'enqueue' | 'batch'>;
  contacts: Pick<ContactsService, 'list'>;
  publicUrl: string | null;
  now?: () => Date;
}) {
  const { db, teams, mail, jobs } = deps;
  const now = deps.now ?? (() => new Date());
  const repo = createFormsRepo(db);
  const audit = createAuditWriter(db);

  async function load(teamId: string, id: string, o: { forUpdate?: boolean } = {}, tx: Executor = db): Promise<FormRow> {
    const row = isUuid(id) ? await repo.find(teamId, id, o, tx) : undefined;
    if (!row) throw new AppError('NOT_FOUND', 'Form not found');
    return row;
  }

  async function present(teamId: string, rows: FormRow[]): Promise<Form[]> {
    const counts = await repo.counts(
      teamId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      fields: fieldsOf(r.fields),
      openCount: counts.get(r.id)?.open ?? 0,
      submittedCount: counts.get(r.id)?.submitted ?? 0,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    }));
  }

  function presentResponse(r: AssignmentListed): FormResponse {
    return {
      id: r.id,
      formId: r.formId,
      formName: r.formName,
      contact: { id: r.contactId, name: displayName(r), email: r.primaryEmail },
      status: r.submittedAt ? 'submitted' : 'open',
      assignedAt: iso(r.assignedAt),
      assignedBy: r.assignedByName,
      draftSavedAt: isoOrNull(r.draftSavedAt),
      submittedAt: isoOrNull(r.submittedAt),
      values: (r.responseValues as FormValues | null) ?? null,
    };
  }

  function checked(input: Pick<FormInput, 'name' | 'description' | 'fields'>): FormInput {
    const v = validateDefinition(input);
    if (!v.ok) throw new AppError('VALIDATION', 'Invalid form', v.details);
    return v.value;
  }

  /**
   * One batch of an assignment in the caller's transaction: refuses the contacts who may not be assigned
   * forms (named with the reason), assigns the others (those with it open already keep it), records the
   * new assignments and mails each contact whom the team rule AND their own preference allow.
   */
  async function assignBatch(actor: Actor, form: FormRow, ids: readonly string[], team: Team, tx: Executor) {
    const settings = readSettings(team.settings);
    const found = new Map((await repo.liveContacts(actor.teamId, ids, tx)).map((c) => [c.id, c]));
    const refused: RefusedContact[] = [];
    const eligible: ContactRow[] = [];
    let missing = 0;
    for (const id of ids) {
      const c = found.get(id);
      if (!c) {
        missing++;
        continue;
      }
      const code = assignmentRefusal(settings, rowToFields(c));
      if (code) refused.push({ contactId: c.id, name: displayName(c), code });
      else eligible.push(c);
    }
    const at = now();
    const inserted = await repo.assign(
      eligible.map((c) => ({
        id: uuidv7(),
        teamId: actor.teamId,
        formId: form.id,
        contactId: c.id,
        assignedBy: actor.memberId,
        assignedByName: actor.label,
        at,
      })),
      tx,
    );
    const fresh = new Map(inserted.map((r) => [r.contactId, r.id]));
    await audit.recordMany(
      actor,
      'form_assignment',
      'create',
      inserted.map((r) => ({
        id: r.id,
        changes: { form: { before: null, after: form.name }, contactId: { before: null, after: r.contactId } } satisfies Changes,
      })),
      tx,
    );
    const base = trustedMailBase({ publicUrl: deps.publicUrl, memberOrigin: team.memberOrigin, requestOrigin: actor.origin ?? null });
    const mails = [];
    for (const c of eligible) {
      const assignmentId = fresh.get(c.id);
      if (!assignmentId) continue;
      const fields = rowToFields(c);
      if (!shouldNotify(settings, fields, 'formAssignments')) continue;
      const to = c.primaryEmail ?? Object.values(fields.emails)[0];
      if (!to) continue;
      const rendered = renderAssignmentMail({
        teamName: team.name,
        formName: form.name,
        description: form.description,
        contactName: c.firstName || c.lastName ? displayName(c) : null,
        url: base ? `${base}/portal/${encodeURIComponent(team.slug)}/forms/${assignmentId}` : null,
        supportEmail: team.supportEmail,
      });
      mails.push({ teamId: actor.teamId, kind: 'form.assigned', to, ...rendered });
    }
    await mail.enqueueMany(mails, tx);
    return {
      assigned: eligible.filter((c) => fresh.has(c.id)).map((c) => c.id),
      alreadyAssigned: eligible.filter((c) => !fresh.has(c.id)).map((c) => c.id),
      refused,
      missing,
      notified: mails.length,
    };
  }

  async function idsMatching(actor: Actor, filter: ContactFilter): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.contacts.list(actor, { ...filter, sort: '-createdAt', limit: 500, cursor });
      ids.push(...page.items.map((c) => c.id));
      if (ids.length > FORM_ASSIGN_FILTER_MAX) {
        throw new AppError('VALIDATION', `More than ${FORM_ASSIGN_FILTER_MAX} contacts match: narrow the filter to assign the form`, [
          { path: 'filter', message: `Matches more than ${FORM_ASSIGN_FILTER_MAX.toLocaleString('en')} contacts` },
        ]);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  const service = {
    async list(actor: Actor, q: FormListQuery): Promise<FormPage> {
      const { rows, total } = await repo.page(actor.teamId, { text: q.q?.trim() || undefined, limit: q.limit, offset: q.offset });
      return { items: await present(actor.teamId, rows), total };
    },

    async get(actor: Actor, id: string): Promise<Form> {
      const [f] = await present(actor.teamId, [await load(actor.teamId, id)]);
      return f!;
    },

    async create(actor: Actor, input: FormInput): Promise<Form> {
      requireFormBuilder(actor);
      const v = checked(input);
      const id = uuidv7();
      await db.transaction().execute(async (tx) => {
        await repo.insert(
          { id, teamId: actor.teamId, name: v.name, description: v.description, fields: v.fields, createdBy: actor.memberId, at: now() },
          tx,
        );
        await audit.record(
          {
            actor,
            entityType: 'form',
            entityId: id,
            action: 'create',
            changes: { name: { before: null, after: v.name }, fields: { before: null, after: v.fields.map((f) => f.key) } },
          },
          tx,
        );
      });
      return service.get(actor, id);
    },

    /** Changes the name, description or fields. Submitted responses keep their values (by field key). */
    async update(actor: Actor, id: string, patch: FormPatch): Promise<Form> {
      requireFormBuilder(actor);
      await db.transaction().execute(async (tx) => {
        const current = await load(actor.teamId, id, { forUpdate: true }, tx);
        const v = checked({
          name: patch.name ?? current.name,
          description: patch.description !== undefined ? patch.description : current.description,
          fields: patch.fields ?? fieldsOf(current.fields),
        });
        const changes: Changes = {};
        if (v.name !== current.name) changes.name = { before: current.name, after: v.name };
        if (v.description !== current.description) changes.description = { before: current.description, after: v.description };
        const before = fieldsOf(current.fields);
        if (JSON.stringify(before) !== JSON.stringify(v.fields))
          changes.fields = { before: before.map((f) => f.key), after: v.fields.map((f) => f.key) };
        if (!Object.keys(changes).length) return;
        await repo.update(actor.teamId, id, { name: v.name, description: v.description, fields: v.fields, updatedAt: now() }, tx);
        await audit.record({ actor, entityType: 'form', entityId: id, action: 'update', changes }, tx);
      });
      return service.get(actor, id);
    },

    /** Deletes a form with its assignments and responses. */
    async remove(actor: Actor, id: string): Promise<void> {
      requireFormBuilder(actor);
      await db.transaction().execute(async (tx) => {
        const current = await load(actor.teamId, id, { forUpdate: true }, tx);
        await repo.remove(actor.teamId, id, tx);
        await audit.record(
          { actor, entityType: 'form', entityId: id, action: 'delete', changes: { name: { before: current.name, after: null } } },
          tx,
        );
      });
    },

    /**
     * Assigns the form to contacts named by id or by the directory's filter. Unknown and other teams'
     * ids are a 400 naming their path; contacts who may not be assigned forms are refused with a reason
     * (one contact asked for and refused: 409 with that reason's code). Above ASSIGN_INLINE_MAX: a job.
     */
    async assign(actor: Actor, id: string, input: AssignInput): Promise<AssignResult | { jobId: string; total: number }> {
      requireAssigner(actor);
      const form = await load(actor.teamId, id);
      let ids: string[];
      if ('contactIds' in input) {
        ids = [...new Set(input.contactIds)];
        const valid = ids.filter(isUuid);
        const live = new Set((await repo.liveContacts(actor.teamId, valid)).map((c) => c.id));
        const details = input.contactIds
          .map((cid, i) => ({ cid, i }))
          .filter(({ cid }) => !live.has(cid))
          .slice(0, 100)
          .map(({ i }) => ({ path: `contactIds.${i}`, message: 'No such contact in this team' }));
        if (details.length) throw new AppError('VALIDATION', 'Invalid assignment', details);
      } else {
        ids = await idsMatching(actor, input.filter);
        if (!ids.length)
          throw new AppError('VALIDATION', 'No contact matches the filter', [{ path: 'filter', message: 'Matches no contact' }]);
      }
      if (ids.length > ASSIGN_INLINE_MAX) {
        const job = await jobs.enqueue({ actor, kind: ASSIGN_JOB_KIND, payload: { formId: form.id, ids }, total: ids.length });
        return { jobId: job.id, total: ids.length };
      }
      const team = await teams.getTeam(actor.teamId);
      const r = await db.transaction().execute((tx) => assignBatch(actor, form, ids, team, tx));
      if (ids.length === 1 && r.refused.length === 1) {
        const code = r.refused[0]!.code;
        throw new AppError(code, `${assignmentRefusalText[code]}: the form cannot be assigned to ${r.refused[0]!.name}`, {
          refused: r.refused,
        });
      }
      return { assigned: r.assigned, alreadyAssigned: r.alreadyAssigned, refused: r.refused, notified: r.notified };
    },

    /**
     * The `forms.assign` job: ASSIGN_BATCH contacts per transaction with the job's counts and position
     * (a checkpoint fenced by the lease), the member's rights re-checked each time; a worker that takes
     * the job over goes on after the last committed batch, so nobody is mailed twice and counts stay exact.
     */
    async runAssignJob(ctx: JobContext): Promise<AssignJobResult> {
      const { formId, ids } = ctx.job.payload as { formId: string; ids: string[] };
      type Checkpoint = AssignJobResult & { position: number };
      const saved = ctx.job.result as Checkpoint | null;
      let state: Checkpoint =
        saved?.position !== undefined ? saved : { assigned: 0, alreadyAssigned: 0, notified: 0, missing: 0, refused: [], position: 0 };
      const team = await teams.getTeam(ctx.job.teamId);
      while (state.position < ids.length) {
        const batch = ids.slice(state.position, state.position + ASSIGN_BATCH);
        const prev = state;
        state = await jobs.batch<Checkpoint>(ctx.job, 'modifyContacts', async (actor, tx) => {
          const form = await repo.find(ctx.job.teamId, formId, { forUpdate: true }, tx);
          if (!form)
            throw Object.assign(new AppError('NOT_FOUND', 'The form was deleted while it was being assigned'), { permanent: true });
          const r = await assignBatch(actor, form, batch, team, tx);
          const next: Checkpoint = {
            assigned: prev.assigned + r.assigned.length,
            alreadyAssigned: prev.alreadyAssigned + r.alreadyAssigned.length,
            notified: prev.notified + r.notified,
            missing: prev.missing + r.missing,
            refused: [...prev.refused, ...r.refused],
            position: prev.position + batch.length,
          };
          return { processed: next.position, result: next };
        });
        await ctx.progress(state.position, ids.length);
      }
      const { position: _, ...result } = state;
      return result;
    },

    async withdraw(actor: Actor, formId: string, assignmentId: string): Promise<void> {
      requireAssigner(actor);
      await load(actor.teamId, formId);
      if (!isUuid(assignmentId)) throw new AppError('NOT_FOUND', 'Assignment not found');
      const r = await db.transaction().execute(async (tx) => {
        const out = await repo.withdraw(actor.teamId, formId, assignmentId, tx);
        if (out === 'withdrawn')
          await audit.record({ actor, entityType: 'form_assignment', entityId: assignmentId, action: 'delete', changes: {} }, tx);
        return out;
      });
      if (r === 'missing') throw new AppError('NOT_FOUND', 'Assignment not found');
      if (r === 'submitted') throw new AppError('CONFLICT', 'The contact has submitted this form: a response is kept');
    },

    async responses(actor: Actor, formId: string, q: ResponseListQuery): Promise<ResponsePage> {
      await load(actor.teamId, formId);
      const { rows, total } = await repo.responses(actor.teamId, formId, q);
      return { items: rows.map(presentResponse), total };
    },

    /** A contact's forms (open and submitted), newest first. */
    async ofContact(actor: Actor, contactId: string): Promise<{ items: FormResponse[] }> {
      const [c] = isUuid(contactId) ? await repo.liveContacts(actor.teamId, [contactId]) : [];
      if (!c) throw new AppError('NOT_FOUND', 'Contact not found');
      return { items: (await repo.ofContact(actor.teamId, contactId, CONTACT_FORMS_MAX)).map(presentResponse) };
    },

    /** The submitted responses as CSV lines (header first), read a page at a time; cells formula-neutralised. */
    async responsesCsv(actor: Actor, formId: string): Promise<{ name: string; lines: AsyncIterable<string> }> {
      const form = await load(actor.teamId, formId);
      const fields = fieldsOf(form.fields);
      const teamId = actor.teamId;
      async function* lines() {
        yield '\uFEFF' + csvLine(responsesCsvHeader(fields));
        let after: { at: Date; id: string } | null = null;
        for (;;) {
          const rows = await repo.submittedAfter(teamId, formId, after, CSV_PAGE);
          let chunk = '';
          for (const r of rows) {
            const p = presentResponse(r);
            chunk += csvLine(
              responseCsvCells(fields, {
                contactId: p.contact.id,
                contactName: p.contact.name,
                contactEmail: p.contact.email,
                status: p.status,
                assignedAt: p.assignedAt,
                submittedAt: p.submittedAt,
                values: p.values,
              }),
            );
          }
          if (chunk) yield chunk;
          if (rows.length < CSV_PAGE) return;
          const last = rows.at(-1)!;
          after = { at: new Date(last.submittedAt!), id: last.id };
        }
      }
      return { name: form.name, lines: lines() };
    },

    // ---- portal (the signed-in contact)

    async portalList(p: FormsPortalContext): Promise<{ items: PortalFormSummary[] }> {
      const rows = await repo.listForContact(p.team.id, p.contact.id, CONTACT_FORMS_MAX);
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.formName,
          description: r.formDescription,
          status: r.submittedAt ? 'submitted' : 'open',
          assignedAt: iso(r.assignedAt),
          draftSavedAt: isoOrNull(r.draftSavedAt),
          submittedAt: isoOrNull(r.submittedAt),
        })),
      };
    },

    async portalGet(p: FormsPortalContext, assignmentId: string, tx: Executor = db): Promise<PortalFormDetail> {
      const r = isUuid(assignmentId) ? await repo.ofContactWithForm(p.team.id, p.contact.id, assignmentId, {}, tx) : undefined;
      if (!r) throw new AppError('NOT_FOUND', 'Form not found');
      const fields = fieldsOf(r.formFields);
      return {
        id: r.id,
        name: r.formName,
        description: r.formDescription,
        status: r.submittedAt ? 'submitted' : 'open',
        assignedAt: iso(r.assignedAt),
        draftSavedAt: isoOrNull(r.draftSavedAt),
        submittedAt: isoOrNull(r.submittedAt),
        fields,
        values: r.submittedAt ? ((r.responseValues as FormValues | null) ?? {}) : draftOf(fields, r.draft as FormValues | null),
      };
    },

    /** Keeps the contact's draft (checked per field, required fields not enforced); 409 once submitted. */
    async portalSaveDraft(p: FormsPortalContext, assignmentId: string, values: FormValues): Promise<{ draftSavedAt: string }> {
      return db.transaction().execute(async (tx) => {
        const r = isUuid(assignmentId)
          ? await repo.ofContactWithForm(p.team.id, p.contact.id, assignmentId, { forUpdate: true }, tx)
          : undefined;
        if (!r) throw new AppError('NOT_FOUND', 'Form not found');
        if (r.submittedAt) throw new AppError('CONFLICT', 'This form was submitted already: it can no longer be changed');
        const v = validateValues(fieldsOf(r.formFields), values, 'draft');
        if (!v.ok) throw new AppError('VALIDATION', 'Some answers need a look', v.details);
        const at = now();
        await repo.saveDraft(p.team.id, r.id, v.value, at, tx);
        return { draftSavedAt: at.toISOString() };
      });
    },

    /** Submits the answers once (every field checked, required ones enforced); 409 when submitted already. */
    async portalSubmit(
      p: FormsPortalContext,
      assignmentId: string,
      values: FormValues,
      requestId: string | null = null,
    ): Promise<PortalFormDetail> {
      return db.transaction().execute(async (tx) => {
        const r = isUuid(assignmentId)
          ? await repo.ofContactWithForm(p.team.id, p.contact.id, assignmentId, { forUpdate: true }, tx)
          : undefined;
        if (!r) throw new AppError('NOT_FOUND', 'Form not found');
        if (r.submittedAt) throw new AppError('CONFLICT', 'This form was submitted already: a form is submitted once');
        const v = validateValues(fieldsOf(r.formFields), values, 'submit');
        if (!v.ok) throw new AppError('VALIDATION', 'Some answers need a look', v.details);
        await repo.submit(p.team.id, r.id, v.value, now(), tx);
        await audit.record(
          {
            actor: auditByContact(p.team.id, p.contact, requestId),
            entityType: 'form_assignment',
            entityId: r.id,
            action: 'submit',
            changes: { form: { before: null, after: r.formName } },
          },
          tx,
        );
        return service.portalGet(p, r.id, tx);
      });
    },
  };
  return service;
}
export type FormsService = ReturnType<typeof createFormsService>;
