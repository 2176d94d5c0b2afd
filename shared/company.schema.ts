// Companies and time logged on tickets: one schema per shape for the routes, the web app and tests.
import { z } from 'zod';

export const COMPANY_NAME_MAX = 200;
export const COMPANY_NOTES_MAX = 10_000;
/** Domains of one company. */
export const COMPANY_DOMAINS_MAX = 100;
/** One time entry: at most a day. */
export const TIME_MINUTES_MAX = 1440;
export const TIME_NOTE_MAX = 2_000;
/** Time entries of one ticket listed at once (a ticket with more shows the newest). */
export const TIME_ENTRIES_MAX = 500;

const uuid = z.uuid('Must be an id (UUID)');
const name = z.string().trim().min(1, 'A company needs a name').max(COMPANY_NAME_MAX);
const notes = z.string().max(COMPANY_NOTES_MAX).nullable();
const domains = z.array(z.string().max(253, 'A domain is at most 253 characters')).max(COMPANY_DOMAINS_MAX);

export const companyInput = z.object({ name, domains: domains.default([]), notes: notes.optional() }).strict();
export type CompanyInput = z.infer<typeof companyInput>;
export const companyPatch = z.object({ name: name.optional(), domains: domains.optional(), notes: notes.optional() }).strict();
export type CompanyPatch = z.infer<typeof companyPatch>;

export const companySchema = z.object({
  id: z.string(),
  name: z.string(),
  domains: z.array(z.string()),
  notes: z.string().nullable(),
  contactCount: z.number().int(),
  ticketCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Company = z.infer<typeof companySchema>;
/** One company as GET and POST answer it, with how many contacts a re-scan would link now (`linkable`). */
export const companyDetail = companySchema.extend({ linkable: z.number().int() });
export type CompanyDetail = z.infer<typeof companyDetail>;
/** PATCH answers the company and the domains it added. */
export const companyUpdated = companyDetail.extend({ addedDomains: z.array(z.string()) });
export type CompanyUpdated = z.infer<typeof companyUpdated>;

export const companySorts = ['name', '-name', 'createdAt', '-createdAt'] as const;
export const companyListQuery = z
  .object({
    q: z.string().max(200, 'A search is at most 200 characters').optional(),
    sort: z.enum(companySorts).default('name'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type CompanyListQuery = z.infer<typeof companyListQuery>;
export const companyPage = z.object({ items: z.array(companySchema), total: z.number().int() });
export type CompanyPage = z.infer<typeof companyPage>;

export const rescanResult = z.object({ linked: z.number().int() });
export const rescanQueued = z.object({ jobId: z.string(), total: z.number().int() });

const day = z.iso.date('Use a date like 2026-01-31');
const minutes = z
  .number()
  .int('Whole minutes')
  .min(1, 'At least 1 minute')
  .max(TIME_MINUTES_MAX, `At most ${TIME_MINUTES_MAX} minutes (a day)`);
const note = z.string().max(TIME_NOTE_MAX);
const spentAt = z.iso.datetime({ offset: true, error: 'Use an ISO date-time' });
export const timeEntryInput = z.object({ minutes, note: note.default(''), spentAt: spentAt.optional() }).strict();
export type TimeEntryInput = z.infer<typeof timeEntryInput>;
export const timeEntryPatch = z.object({ minutes: minutes.optional(), note: note.optional(), spentAt: spentAt.optional() }).strict();
export type TimeEntryPatch = z.infer<typeof timeEntryPatch>;

export const timeEntrySchema = z.object({
  id: z.string(),
  ticketId: z.string(),
  minutes: z.number().int(),
  note: z.string(),
  spentAt: z.string(),
  member: z.object({ id: z.string().nullable(), name: z.string() }),
  /** the member asking may edit and delete it (their own entry) */
  mine: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TimeEntry = z.infer<typeof timeEntrySchema>;
export const timeEntryList = z.object({ items: z.array(timeEntrySchema), totalMinutes: z.number().int() });
export type TimeEntryList = z.infer<typeof timeEntryList>;

export const timeReportQuery = z.object({ from: day.optional(), to: day.optional() }).strict();
export type TimeReportQuery = z.infer<typeof timeReportQuery>;
export const timeReport = z.object({
  companyId: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  totalMinutes: z.number().int(),
  tickets: z.array(
    z.object({ ticketId: z.string(), number: z.number().int(), subject: z.string(), minutes: z.number().int(), entries: z.number().int() }),
  ),
  months: z.array(z.object({ month: z.string(), minutes: z.number().int() })),
});
export type TimeReport = z.infer<typeof timeReport>;

export { uuid as companyIdSchema };
