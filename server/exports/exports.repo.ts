// The CSV line of a contact, built by PostgreSQL: the same bytes as `csvLine(contactToCells(row))`
// (export.rules.ts + imports/csv-writer.ts), so the database writes the text and the process only passes it on.
//
// Checking every cell on its own costs PostgreSQL ~1.6 µs a cell (CASE, regex, replace on each of 25 text
// cells: ~40 µs a row). Most rows need none of it, so one regex over the row's text cells, each behind a
// U+001F mark, decides: a row with no quote, comma or line break, no cell starting with a formula character or
// a space and none ending with a space is the plain join of its cells; only the others take the per-cell path.
// The mark cannot hide a case: every cell boundary has one, so a false alarm (a cell holding U+001F) only
// takes the slow path.
import { sql, type RawBuilder } from 'kysely';
import { TEMPLATE_COLUMNS, type TemplateColumn } from '#shared/import.schema.ts';

// JavaScript's \s (csvCell quotes a cell that starts or ends with one), as PostgreSQL regex escapes.
const JS_SPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
// A cell that starts with a tab, CR or LF is neutralised (a `'` goes first), so only the other spaces count there.
const LEAD_SPACE = String.raw`\v\f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
/** When csvCell quotes a neutralised cell, tested on the cell before neutralising. */
const NEEDS_QUOTES = `[",\\r\\n]|^[${LEAD_SPACE}]|[${JS_SPACE}]$`;
/** The characters neutralizeCell protects (cells.rules.ts FORMULA_START, and `'` itself). */
const FORMULA_START = `'=', '+', '-', '@', E'\\t', E'\\r', E'\\n', ''''`;
/** On the marked join of a row's text cells: anything that would make one cell differ from its plain text. */
const ROW_NEEDS_CARE = `[",\\r\\n]|\\x1f[=+@''${JS_SPACE}-]|[${JS_SPACE}]\\x1f`;

/** A text cell: empty when NULL, neutralised against formulas, quoted the way csvCell quotes. */
function textCell(value: string): string {
  const v = `coalesce(${value}, '')`;
  const guard = `CASE WHEN left(${v}, 1) IN (${FORMULA_START}) THEN '''' ELSE '' END`;
  return `CASE WHEN ${v} ~ '${NEEDS_QUOTES}' THEN '"' || ${guard} || replace(${v}, '"', '""') || '"' ELSE ${guard} || ${v} END`;
}
/**
 * A labeled map: its stored JSON text (as the JS export read it), `{}` empty. An object with a key starts
 * with `{`, ends with `}` and holds a quote, so it is quoted as it is; any other text takes the general path.
 */
const labeledCell = (column: string) =>
  `CASE WHEN ${column}::text LIKE '{%"%}' THEN '"' || replace(${column}::text, '"', '""') || '"' ELSE ${textCell(`NULLIF(${column}::text, '{}')`)} END`;
const boolCell = (column: string) => `CASE WHEN ${column} THEN 'true' ELSE 'false' END`;
/** Date#toISOString of the timestamp as the driver reads it (milliseconds, truncated). */
const timeCell = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The name of the contact's company (never another team's: the link is checked when written; the scope repeats it). */
export const LINKED_COMPANY_SQL = `(CASE WHEN contacts.company_id IS NULL THEN NULL ELSE (SELECT lc.name FROM companies lc WHERE lc.id = contacts.company_id AND lc.team_id = contacts.team_id) END)`;

type Cell = { text: string } | { sql: string };
/** `text`: a text column, checked by the row's regex; `sql`: a cell whose expression is already its CSV text. */
const CELL: Record<TemplateColumn, Cell> = {
  id: { sql: 'id::text' },
  firstName: { text: 'first_name' },
  lastName: { text: 'last_name' },
  primaryEmail: { text: 'primary_email' },
  emails: { sql: labeledCell('emails') },
  phones: { sql: labeledCell('phones') },
  company: { text: 'company' },
  job: { text: 'job_title' },
  division: { text: 'division' },
  addressLine1: { text: 'address_line1' },
  addressLine2: { text: 'address_line2' },
  city: { text: 'city' },
  state: { text: 'state' },
  postalCode: { text: 'postal_code' },
  country: { text: 'country' },
  contactIsActive: { sql: boolCell('active') },
  portalAccess: { sql: boolCell('portal_access') },
  canPostComments: { sql: boolCell('can_post_comments') },
  canCloseTickets: { sql: boolCell('can_close_tickets') },
  emailNewTickets: { sql: boolCell('notify_new_tickets') },
  emailTicketUpdates: { sql: boolCell('notify_ticket_updates') },
  emailNewComments: { sql: boolCell('notify_new_comments') },
  emailFormAssignments: { sql: boolCell('notify_form_assignments') },
  reportsToContactId: { sql: `coalesce(reports_to_contact_id::text, '')` },
  reportsToSyncId: { text: 'reports_to_sync_id' },
  directorySyncId: { text: 'directory_sync_id' },
  directoryOrganizationId: { text: 'directory_organization_id' },
  notes: { text: 'notes' },
  createdAt: { sql: timeCell('created_at') },
  updatedAt: { sql: timeCell('updated_at') },
  linkedCompany: { text: LINKED_COMPANY_SQL },
};

const cells = TEMPLATE_COLUMNS.map((c) => CELL[c]);
const textColumns = cells.flatMap((c) => ('text' in c ? [c.text] : []));
/** concat() reads NULL as '' and takes every cell in one call. */
const line = (text: (column: string) => string) =>
  `concat(${cells.map((c) => ('text' in c ? text(c.text) : `(${c.sql})`)).join(`, ',', `)}, E'\\r\\n')`;
const marked = `concat(${textColumns.map((c) => `E'\\x1f', ${c}`).join(', ')}, E'\\x1f')`;

/** The template line of a `contacts` row, with its CRLF, as a select expression (no parameters). */
export const CSV_LINE_SQL: RawBuilder<string> = sql.raw<string>(
  `CASE WHEN ${marked} ~ '${ROW_NEEDS_CARE}' THEN ${line((c) => `(${textCell(c)})`)} ELSE ${line((c) => c)} END`,
);
