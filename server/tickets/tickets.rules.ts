// Pure rules of tickets: request templates (locks, availability), who is notified of an event, the
// notification mails (branded with the team name) and list cursors. No I/O.
import type { ErrorDetail } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { TeamSettings } from '#shared/settings.schema.ts';
import { TICKET_BODY_MAX, TICKET_SUBJECT_MAX, ticketPriorities, type Comment } from '#shared/ticket.schema.ts';
import { escapeHtml, layout, oneLine, safeHref, type RenderedMail } from '../mail/mail.rules.ts';
import { shouldNotify, type NotificationKind } from '../contacts/contact-policy.rules.ts';
import type { ContactFields } from '../contacts/contacts.rules.ts';

/** The fields every ticket has; a template may give them defaults and lock them. */
export const BUILT_IN_FIELDS = ['subject', 'description', 'priority'] as const;
export const CUSTOM_VALUE_MAX = 5_000;

export interface TemplateRules {
  fields: Record<string, { default?: unknown; locked: boolean }>;
}

export interface RequestValues {
  subject: string;
  description: string;
  priority: (typeof ticketPriorities)[number];
  custom: Record<string, string | number | boolean>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The ticket a request makes: a locked field keeps the template's default whatever the request says
 * (a different value is refused, so a crafted request cannot override it); other fields take the
 * request's value or the default. Keys the template does not name are refused.
 */
export function applyTemplate(
  template: TemplateRules | null,
  given: Record<string, unknown>,
): { ok: true; value: RequestValues } | { ok: false; details: ErrorDetail[] } {
  const fields = template?.fields ?? {};
  const details: ErrorDetail[] = [];
  const known = new Set<string>([...BUILT_IN_FIELDS, ...Object.keys(fields)]);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) details.push({ path: `fields.${key}`, message: 'Not a field of this request form' });
  }
  const resolved: Record<string, unknown> = {};
  for (const key of known) {
    const f = fields[key];
    const has = Object.prototype.hasOwnProperty.call(given, key) && given[key] !== undefined;
    if (f?.locked) {
      if (has && !same(given[key], f.default)) {
        details.push({ path: `fields.${key}`, message: 'This field is set by the request form and cannot be changed' });
      }
      resolved[key] = f.default;
    } else {
      resolved[key] = has ? given[key] : f?.default;
    }
  }
  const subject = typeof resolved.subject === 'string' ? resolved.subject.trim() : '';
  if (!subject) details.push({ path: 'fields.subject', message: 'A request needs a subject' });
  else if (subject.length > TICKET_SUBJECT_MAX)
    details.push({ path: 'fields.subject', message: `At most ${TICKET_SUBJECT_MAX} characters` });
  const description = resolved.description ?? '';
  if (typeof description !== 'string') details.push({ path: 'fields.description', message: 'Must be text' });
  else if (description.length > TICKET_BODY_MAX)
    details.push({ path: 'fields.description', message: `At most ${TICKET_BODY_MAX} characters` });
  const priority = resolved.priority ?? 'normal';
  if (!(ticketPriorities as readonly unknown[]).includes(priority)) {
    details.push({ path: 'fields.priority', message: `Must be one of ${ticketPriorities.join(', ')}` });
  }
  const custom: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(fields)) {
    if ((BUILT_IN_FIELDS as readonly string[]).includes(key)) continue;
    const v = resolved[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) custom[key] = v;
    else if (typeof v === 'string' && v.length <= CUSTOM_VALUE_MAX) custom[key] = v;
    else details.push({ path: `fields.${key}`, message: `Must be text (at most ${CUSTOM_VALUE_MAX} characters), a number or true/false` });
  }
  if (details.length) return { ok: false, details };
  return {
    ok: true,
    value: { subject, description: description as string, priority: priority as RequestValues['priority'], custom },
  };
}

export interface Availability {
  mode: 'everyone' | 'contacts' | 'domains';
  contactIds: string[];
  domains: string[];
}

/** Whether a template is offered to this contact; a visitor who is not signed in (null) gets only "everyone". */
export function templateAvailableTo(a: Availability, contact: { id: string; primaryEmail: string | null } | null): boolean {
  if (a.mode === 'everyone') return true;
  if (!contact) return false;
  if (a.mode === 'contacts') return a.contactIds.includes(contact.id);
  const domain = contact.primaryEmail?.split('@')[1];
  return domain !== undefined && a.domains.includes(domain);
}

/** Template domains as stored: normalised like an email's domain (IDN in punycode, lower case). */
export function normaliseDomains(domains: string[]): { ok: true; value: string[] } | { ok: false; details: ErrorDetail[] } {
  const out: string[] = [];
  const details: ErrorDetail[] = [];
  domains.forEach((d, i) => {
    const r = normalizeEmail(`x@${d.replace(/^@/, '')}`);
    if (!r.ok) details.push({ path: `availability.domains.${i}`, message: 'Not a domain name' });
    else if (!out.includes(r.email.slice(2))) out.push(r.email.slice(2));
  });
  return details.length ? { ok: false, details } : { ok: true, value: out };
}

/** Which event notifies with which preference. */
export type TicketEvent = 'created' | 'updated' | 'commented';
export const eventPreference: Record<TicketEvent, NotificationKind> = {
  created: 'newTickets',
  updated: 'ticketUpdates',
  commented: 'newComments',
};

export type NotifiableContact = Pick<ContactFields, 'permissions' | 'notifications' | 'primaryEmail' | 'emails'> & { id: string };

/**
 * The contacts of a ticket who get a mail about an event: the team rule AND the contact's preference
 * allow it (shouldNotify), never the contact who caused the event, one message per address.
 */
export function recipientsOf(
  team: TeamSettings,
  event: TicketEvent,
  contacts: NotifiableContact[],
  authorContactId: string | null,
): { contactId: string; address: string }[] {
  const kind = eventPreference[event];
  const out: { contactId: string; address: string }[] = [];
  const seen = new Set<string>();
  for (const c of contacts) {
    if (c.id === authorContactId || !shouldNotify(team, c, kind)) continue;
    const address = c.primaryEmail ?? Object.values(c.emails)[0];
    if (!address || seen.has(address)) continue;
    seen.add(address);
    out.push({ contactId: c.id, address });
  }
  return out;
}

export interface TicketMailInput {
  teamName: string;
  event: TicketEvent;
  ticket: { number: number; subject: string; status: string };
  /** the new comment (commented) */
  comment?: Pick<Comment, 'body'> & { authorName: string };
  /** what changed, already in words (updated) */
  changes?: string[];
  /** the ticket in the portal; null when no address is trusted for links */
  url: string | null;
}

const BODY_IN_MAIL_MAX = 4_000;

export function renderTicketMail(p: TicketMailInput): RenderedMail {
  const ref = `#${p.ticket.number}`;
  const subjectLine =
    p.event === 'created'
      ? `[${p.teamName}] Request received: ${p.ticket.subject} (${ref})`
      : p.event === 'commented'
        ? `[${p.teamName}] New reply on ${ref}: ${p.ticket.subject}`
        : `[${p.teamName}] ${ref} updated: ${p.ticket.subject}`;
  const lead =
    p.event === 'created'
      ? `We received your request ${ref} "${p.ticket.subject}". We will get back to you.`
      : p.event === 'commented'
        ? `${p.comment?.authorName ?? 'Someone'} replied to ${ref} "${p.ticket.subject}":`
        : `Request ${ref} "${p.ticket.subject}" was updated.`;
  const body = p.comment ? clip(p.comment.body) : null;
  const changes = p.changes ?? [];
  const text = [
    lead,
    ...(body ? ['', body] : []),
    ...(changes.length ? ['', ...changes.map((c) => `- ${c}`)] : []),
    '',
    `Status: ${p.ticket.status}`,
    ...(p.url ? [`Follow it in the portal: ${p.url}`] : []),
  ].join('\n');
  const html = layout(
    p.teamName,
    [
      `<p style="margin:0 0 12px">${escapeHtml(lead)}</p>`,
      ...(body
        ? [`<div style="margin:0 0 12px;padding:12px;border-left:3px solid #d8dee4;white-space:pre-wrap">${escapeHtml(body)}</div>`]
        : []),
      ...(changes.length ? [`<ul style="margin:0 0 12px">${changes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`] : []),
      `<p style="margin:0 0 12px;color:#57606a">Status: ${escapeHtml(p.ticket.status)}</p>`,
      ...(p.url ? [`<p style="margin:0"><a href="${safeHref(p.url)}">Open the request in the portal</a></p>`] : []),
    ].join('\n'),
  );
  return { subject: oneLine(subjectLine).slice(0, 300), text, html };
}

function clip(s: string): string {
  return s.length > BODY_IN_MAIL_MAX ? `${s.slice(0, BODY_IN_MAIL_MAX)}…` : s;
}

export const displayName = (c: { firstName: string | null; lastName: string | null; primaryEmail?: string | null }) =>
  [c.firstName, c.lastName].filter(Boolean).join(' ') || c.primaryEmail || 'Unnamed contact';

/** Splits "Ada Lovelace" into first and last name for a contact made from a portal request. */
export function splitName(name: string): { firstName: string | null; lastName: string | null } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return { firstName: null, lastName: null };
  if (parts.length === 1) return { firstName: parts[0]!, lastName: null };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! };
}
