// A contact as a row of the template (SPEC §4): the same columns the import reads, every cell text,
// formula-like cells neutralised. Pure.
import { TEMPLATE_COLUMNS, type TemplateColumn } from '#shared/import.schema.ts';
import type { ContactRow } from '../db/schema.ts';
import { LINKED_COMPANY_SQL } from './exports.repo.ts';
import { formatBooleanCell, formatLabeledCell, neutralizeCell } from '../imports/cells.rules.ts';

const text = (v: string | null) => v ?? '';
/** A labeled map as stored (json text, read as such by the export query) or as an object. */
const labeled = (v: string | Record<string, string> | null) => (typeof v === 'string' ? (v === '{}' ? '' : v) : formatLabeledCell(v ?? {}));

/** The columns an export reads: a contact row, with emails/phones as their stored JSON text. */
export type ExportRow = Omit<ContactRow, 'emails' | 'phones'> & {
  emails: string | Record<string, string>;
  phones: string | Record<string, string>;
  /** The name of the company the contact is linked to. */
  linkedCompany: string | null;
};

const CELL: Record<TemplateColumn, (c: ExportRow) => string> = {
  id: (c) => c.id,
  firstName: (c) => text(c.firstName),
  lastName: (c) => text(c.lastName),
  primaryEmail: (c) => text(c.primaryEmail),
  emails: (c) => labeled(c.emails),
  phones: (c) => labeled(c.phones),
  company: (c) => text(c.company),
  job: (c) => text(c.jobTitle),
  division: (c) => text(c.division),
  addressLine1: (c) => text(c.addressLine1),
  addressLine2: (c) => text(c.addressLine2),
  city: (c) => text(c.city),
  state: (c) => text(c.state),
  postalCode: (c) => text(c.postalCode),
  country: (c) => text(c.country),
  contactIsActive: (c) => formatBooleanCell(c.active),
  portalAccess: (c) => formatBooleanCell(c.portalAccess),
  canPostComments: (c) => formatBooleanCell(c.canPostComments),
  canCloseTickets: (c) => formatBooleanCell(c.canCloseTickets),
  emailNewTickets: (c) => formatBooleanCell(c.notifyNewTickets),
  emailTicketUpdates: (c) => formatBooleanCell(c.notifyTicketUpdates),
  emailNewComments: (c) => formatBooleanCell(c.notifyNewComments),
  emailFormAssignments: (c) => formatBooleanCell(c.notifyFormAssignments),
  reportsToContactId: (c) => text(c.reportsToContactId),
  reportsToSyncId: (c) => text(c.reportsToSyncId),
  directorySyncId: (c) => text(c.directorySyncId),
  directoryOrganizationId: (c) => text(c.directoryOrganizationId),
  notes: (c) => text(c.notes),
  createdAt: (c) => c.createdAt.toISOString(),
  updatedAt: (c) => c.updatedAt.toISOString(),
  linkedCompany: (c) => text(c.linkedCompany),
};
const CELLS = TEMPLATE_COLUMNS.map((col) => CELL[col]);

/** The template row of a contact, neutralised against formula injection. */
export function contactToCells(c: ExportRow): string[] {
  return CELLS.map((f) => neutralizeCell(f(c)));
}

export const exportHeader = (): string[] => [...TEMPLATE_COLUMNS];

// XML 1.0 cannot hold C0 controls (but tab, LF, CR), U+FFFE/U+FFFF or lone surrogates; OOXML writes
// them as `_xHHHH_` (and a literal `_xHHHH_` as `_x005F_xHHHH_`), which Excel and our reader decode.
const XML_UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /_x[0-9A-Fa-f]{4}_|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A cell for an XLSX sheet: characters XML cannot carry are escaped the OOXML way. */
export function xlsxCell(value: string): string {
  return value.replace(XML_UNSAFE, (m) =>
    m.length > 1 ? `_x005F_${m.slice(1)}` : `_x${m.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
}

/**
 * What the export selects: only the template's columns, the labeled maps as their stored JSON text (the
 * JSON.stringify of the map, so parsing and writing it again would give the same text).
 */
export const EXPORT_SELECT = `id, first_name, last_name, primary_email, emails::text AS emails, phones::text AS phones, company,
  job_title, division, address_line1, address_line2, city, state, postal_code, country, active, portal_access,
  can_post_comments, can_close_tickets, notify_new_tickets, notify_ticket_updates, notify_new_comments,
  notify_form_assignments, reports_to_contact_id, reports_to_sync_id, directory_sync_id, directory_organization_id,
  notes, created_at, updated_at, ${LINKED_COMPANY_SQL} AS linked_company`;
