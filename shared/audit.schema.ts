import { z } from 'zod';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Must be an id');
const when = z.iso.datetime({ offset: true, message: 'Must be a date-time such as 2026-01-31T00:00:00Z' });

export const auditQuery = z
  .object({
    entityType: z.string().max(40).optional(),
    entityId: uuid.optional(),
    actorId: uuid.optional(),
    action: z.string().max(60).optional(),
    from: when.optional(),
    to: when.optional(),
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, 'Not a cursor this server issued')
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string().nullable() }),
  changes: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPage = z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPage>;
