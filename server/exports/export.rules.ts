// A contact as a row of the template (SPEC §4): the same columns the import reads, every cell text,
// formula-like cells neutralised. Pure.
import { TEMPLATE_COLUMNS, type TemplateColumn } from '#shared/import.schema.ts';
import type { ContactRow } from '../db/schema.ts';
import { formatBooleanCell, formatLabeledCell, neutralizeCell } from '../imports/cells.rules.ts';

const text = (v: string | null) => v ?? '';

const CELL: Record<TemplateColumn, (c: ContactRow) => string> = {
  id: (c) => c.id,
  firstName: (c) => text(c.firstName),
  lastName: (c) => text(c.lastName),
  primaryEmail: (c) => text(c.primaryEmail),
  emails: (c) => formatLabeledCell(c.emails ?? {}),
  phones: (c) => formatLabeledCell(c.phones ?? {}),
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
};
const CELLS = TEMPLATE_COLUMNS.map((col) => CELL[col]);

/** The template row of a contact, neutralised against formula injection. */
export function contactToCells(c: ContactRow): string[] {
  return CELLS.map((f) => neutralizeCell(f(c)));
}

export const exportHeader = (): string[] => [...TEMPLATE_COLUMNS];
