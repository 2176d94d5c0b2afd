// Tickets, comments and request templates: one schema per shape for the routes, the web app and tests.
import { z } from 'zod';
import { limits } from './limits.ts';

export const ticketStatuses = ['open', 'pending', 'resolved', 'closed'] as const;
export const ticketPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export const ticketStatus = z.enum(ticketStatuses);
export const ticketPriority = z.enum(ticketPriorities);

export const TICKET_SUBJECT_MAX = 250;
export const TICKET_BODY_MAX = 50_000;
/** Ticket contacts on one ticket (requester included). */
export const TICKET_CONTACTS_MAX = 50;

const uuid = z.uuid('Must be an id (UUID)');
const subject = z.string().trim().min(1, 'A ticket needs a subject').max(TICKET_SUBJECT_MAX);
const body = z.string().max(TICKET_BODY_MAX);

export const ticketContactView = z.object({
  id: z.string(),
  name: z.string(),
  primaryEmail: z.string().nullable(),
  company: z.string().nullable(),
  jobTitle: z.string().nullable(),
  phones: z.record(z.string(), z.string()),
});
export type TicketContactView = z.infer<typeof ticketContactView>;

export const ticketSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  subject: z.string(),
  description: z.string(),
  status: ticketStatus,
  priority: ticketPriority,
  requesterId: z.string().nullable(),
  assigneeId: z.string().nullable(),
  contactIds: z.array(z.string()),
  companyId: z.string().nullable(),
  templateId: z.string().nullable(),
  /** Values of a request template's own fields (custom keys). */
  fields: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Display names, so a list needs no second request. */
  requesterName: z.string().nullable(),
  assigneeName: z.string().nullable(),
});
export type Ticket = z.infer<typeof ticketSchema>;

/** GET /tickets/:id adds the ticket contacts with their directory details. */
export const ticketDetail = ticketSchema.extend({ contacts: z.array(ticketContactView) });
export type TicketDetail = z.infer<typeof ticketDetail>;

export const ticketInput = z
  .object({
    subject,
    description: body.default(''),
    status: ticketStatus.default('open'),
    priority: ticketPriority.default('normal'),
    requesterId: uuid,
    assigneeId: uuid.nullable().default(null),
    /** Further ticket contacts; the requester is always one. */
    contactIds: z.array(uuid).max(TICKET_CONTACTS_MAX).default([]),
  })
  .strict();
export type TicketInput = z.infer<typeof ticketInput>;

export const ticketPatch = z
  .object({
    subject,
    description: body,
    status: ticketStatus,
    priority: ticketPriority,
    assigneeId: uuid.nullable(),
  })
  .partial()
  .strict();
export type TicketPatch = z.infer<typeof ticketPatch>;

/** Comma-separated lists are accepted for status (`open,pending`). */
const statusList = z
  .string()
  .max(100)
  .transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    for (const p of parts) {
      if (!(ticketStatuses as readonly string[]).includes(p)) {
        ctx.addIssue({ code: 'custom', message: `Unknown status "${p}"; use ${ticketStatuses.join(', ')}` });
        return z.NEVER;
      }
    }
    return parts as (typeof ticketStatuses)[number][];
  });

export const ticketListQuery = z.object({
  status: statusList.optional(),
  /** A member id, or `none` for unassigned tickets. */
  assigneeId: z.union([z.literal('none'), uuid]).optional(),
  contactId: uuid.optional(),
  companyId: uuid.optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(limits.pageSizeMax).default(limits.pageSizeDefault),
  cursor: z.string().max(200).optional(),
});
export type TicketListQuery = z.infer<typeof ticketListQuery>;

export const ticketPage = z.object({
  items: z.array(ticketSchema),
  nextCursor: z.string().nullable(),
  /** Exact up to 10,000; above that `totalIsEstimate` is true and `total` is 10,000. */
  total: z.number().int(),
  totalIsEstimate: z.boolean(),
});
export type TicketPage = z.infer<typeof ticketPage>;

export const commentInput = z
  .object({
    body: z.string().trim().min(1, 'A comment needs some text').max(TICKET_BODY_MAX),
    /** Private notes are for members only: contacts never see them and are not notified. */
    public: z.boolean().default(true),
  })
  .strict();
export type CommentInput = z.infer<typeof commentInput>;

export const commentSchema = z.object({
  id: z.string(),
  body: z.string(),
  public: z.boolean(),
  author: z.object({ type: z.enum(['member', 'contact']), id: z.string().nullable(), name: z.string() }),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof commentSchema>;
/** The newest 1,000 comments, oldest first; `olderOmitted` when the ticket has more. */
export const commentList = z.object({ items: z.array(commentSchema), olderOmitted: z.boolean() });

export const ticketContactInput = z.object({ contactId: uuid }).strict();

// --- request templates ---

export const templateFieldKey = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'A field key is letters, digits and _ and starts with a letter');
export const templateField = z.object({ default: z.unknown().optional(), locked: z.boolean().default(false) }).strict();

export const templateAvailability = z
  .object({
    mode: z.enum(['everyone', 'contacts', 'domains']),
    contactIds: z.array(uuid).max(1000).default([]),
    domains: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(100).default([]),
  })
  .strict();

export const requestTemplateInput = z
  .object({
    name: z.string().trim().min(1, 'A template needs a name').max(limits.nameMax),
    description: z.string().max(limits.notesMax).default(''),
    fields: z.record(templateFieldKey, templateField).default({}),
    availability: templateAvailability.default({ mode: 'everyone', contactIds: [], domains: [] }),
    allowChooseAssignee: z.boolean().default(false),
    assigneeIds: z.array(uuid).max(200).default([]),
    allowAddContacts: z.boolean().default(false),
  })
  .strict();
export type RequestTemplateInput = z.infer<typeof requestTemplateInput>;
export const requestTemplatePatch = z
  .object({
    name: requestTemplateInput.shape.name,
    description: z.string().max(limits.notesMax),
    fields: z.record(templateFieldKey, templateField),
    availability: templateAvailability,
    allowChooseAssignee: z.boolean(),
    assigneeIds: z.array(uuid).max(200),
    allowAddContacts: z.boolean(),
  })
  .partial()
  .strict();
export type RequestTemplatePatch = z.infer<typeof requestTemplatePatch>;

export const requestTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  fields: z.record(z.string(), z.object({ default: z.unknown(), locked: z.boolean() })),
  availability: z.object({
    mode: z.enum(['everyone', 'contacts', 'domains']),
    contactIds: z.array(z.string()),
    domains: z.array(z.string()),
  }),
  allowChooseAssignee: z.boolean(),
  assigneeIds: z.array(z.string()),
  allowAddContacts: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RequestTemplate = z.infer<typeof requestTemplateSchema>;
export const requestTemplateList = z.object({ items: z.array(requestTemplateSchema) });

// --- portal ---

export const portalTicket = z.object({
  id: z.string(),
  number: z.number().int(),
  subject: z.string(),
  description: z.string(),
  status: ticketStatus,
  priority: ticketPriority,
  createdAt: z.string(),
  updatedAt: z.string(),
  requesterName: z.string().nullable(),
});
export type PortalTicket = z.infer<typeof portalTicket>;
export const portalTicketPage = z.object({ items: z.array(portalTicket), nextCursor: z.string().nullable() });
export type PortalTicketPage = z.infer<typeof portalTicketPage>;
export const portalTicketDetail = portalTicket.extend({
  comments: z.array(commentSchema.omit({ public: true })),
  /** More than 1,000 public comments: the oldest are not in `comments`. */
  olderOmitted: z.boolean(),
  contacts: z.array(z.object({ id: z.string(), name: z.string() })),
  can: z.object({ comment: z.boolean(), close: z.boolean() }),
  /** Why not, naming the team setting or the contact permission that is off; null when allowed. */
  refusals: z.object({ comment: z.string().nullable(), close: z.string().nullable() }),
});
export type PortalTicketDetail = z.infer<typeof portalTicketDetail>;
export const portalCommentInput = z.object({ body: commentInput.shape.body }).strict();

/** What the portal shows of a template: assignees as names to choose from. */
export const portalTemplate = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  fields: z.record(z.string(), z.object({ default: z.unknown(), locked: z.boolean() })),
  allowChooseAssignee: z.boolean(),
  assignees: z.array(z.object({ id: z.string(), name: z.string() })),
  allowAddContacts: z.boolean(),
});
export type PortalTemplate = z.infer<typeof portalTemplate>;
export const portalTemplateList = z.object({ items: z.array(portalTemplate) });

export const portalRequestInput = z
  .object({
    templateId: uuid.optional(),
    /** subject, description, priority and the template's own keys */
    fields: z.record(z.string().max(40), z.unknown()).default({}),
    assigneeId: uuid.optional(),
    contactEmails: z.array(z.string().max(254)).max(20).optional(),
    /** Visitors (not signed in) with portalTicketCreation "anyone" give their name and email. */
    name: z.string().trim().max(limits.nameMax).optional(),
    email: z.string().max(254).optional(),
  })
  .strict();
export type PortalRequestInput = z.infer<typeof portalRequestInput>;
