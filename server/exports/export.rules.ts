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
