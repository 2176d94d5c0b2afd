// Duplicate finder, merge, undo and "change primary email": request and answer shapes.
import { z } from 'zod';
import { contactSchema, emailString } from './contact.schema.ts';
import { limits } from './limits.ts';

export const duplicateReasons = ['email', 'phone', 'name'] as const;

export const duplicatesQuery = z.object({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** live: computed now (default); scan: the groups the last full scan found (POST /api/v1/contacts/duplicates/scan) */
  source: z.enum(['live', 'scan']).default('live'),
});
export type DuplicatesQuery = z.infer<typeof duplicatesQuery>;

export const duplicateGroup = z.object({
  reason: z.enum(duplicateReasons),
  /** what the contacts share: the email, the E.164 phone, or "<companyId>:<folded name>" */
  key: z.string(),
  contactIds: z.array(z.string()),
  /** the contacts of the group, in the order of contactIds */
  contacts: z.array(contactSchema),
});
export type DuplicateGroup = z.infer<typeof duplicateGroup>;

export const duplicateScanState = z.object({
  jobId: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  groups: z.number().int().nullable(),
});

export const duplicatesPage = z.object({
  items: z.array(duplicateGroup),
  nextCursor: z.string().nullable(),
  source: z.enum(['live', 'scan']),
  /** the last full scan of the team, if any */
  scan: duplicateScanState.nullable(),
});
export type DuplicatesPage = z.infer<typeof duplicatesPage>;

export const scanStarted = z.object({ jobId: z.string() });

const id = z.string().min(1).max(100);
export const mergeInput = z
  .object({
    survivorId: id,
    mergedIds: z.array(id).min(1, 'Choose at least one contact to merge into the primary').max(9, 'At most 10 contacts merge at once'),
    /** field -> the id of the contact whose value the survivor keeps */
    fields: z.record(z.string().max(40), id).optional(),
  })
  .strict();
export type MergeInput = z.infer<typeof mergeInput>;

export const mergeResult = z.object({ contact: contactSchema, mergeId: z.string() });
export type MergeResult = z.infer<typeof mergeResult>;

export const undoResult = z.object({ contacts: z.array(contactSchema) });

export const bulkMergeInput = z
  .object({
    groups: z
      .array(z.object({ survivorId: id, mergedIds: z.array(id).min(1).max(9) }).strict())
      .min(1, 'Choose at least one group')
      .max(1000, 'At most 1,000 groups at once'),
  })
  .strict();
export type BulkMergeInput = z.infer<typeof bulkMergeInput>;
export const bulkMergeQueued = z.object({ jobId: z.string(), total: z.number().int() });

export const mergeSummary = z.object({
  id: z.string(),
  survivorId: z.string(),
  mergedIds: z.array(z.string()),
  createdAt: z.string(),
  actor: z.string().nullable(),
  undoableUntil: z.string(),
});
export const mergeList = z.object({ items: z.array(mergeSummary) });

export const primaryEmailChange = z
  .object({
    /** the new primary email: one of the contact's labeled emails (promoted) or a new address */
    email: emailString,
    /** keep the old primary email as a labeled email (true) or drop it */
    keepOld: z.boolean(),
    /** the label the old primary email gets when kept (default "other") */
    label: z.string().trim().min(1).max(limits.labelMax).optional(),
  })
  .strict();
export type PrimaryEmailChange = z.infer<typeof primaryEmailChange>;
