/*
 * API contract for import and export (SPEC §4 + extensions). The web UI is written against this comment;
 * the zod schemas in shared/import.schema.ts are the typed version of it.
 *
 * Permissions: every /imports route needs the member permission `importContacts` AND the team setting
 * `allowBulkContactImport` (403 FORBIDDEN whose message names what is missing). Exports need `exportContacts`.
 *
 * ── Upload and mapping step ──────────────────────────────────────────────────────────────────────────
 * POST /api/v1/imports/preview            multipart: file (required), mapping (optional JSON, see below)
 *   200 ImportPreview {
 *     uploadId: string,                   // pass to POST /api/v1/imports instead of uploading the file again (kept 24 h)
 *     fileName: string, fileSize: number,
 *     format: 'csv' | 'xlsx',
 *     encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | null,   // null for xlsx
 *     delimiter: ',' | ';' | '\t' | '|' | null,                               // null for xlsx
 *     headers: string[],                  // as in the file, in order
 *     mapping: MappingEntry[],            // one per header, in header order
 *     unmappedColumns: string[],          // headers with no field (not auto-mapped, not ignored on purpose)
 *     sampleRows: string[][],             // the first 20 data rows, cells as in the file (same order as headers)
 *     fields: { field: string, label: string }[]   // every target a column can be mapped to (for a dropdown)
 *   }
 *   MappingEntry { column: string, index: number, field: string | null, labelColumn?: string,
 *                  source: 'template' | 'synonym' | 'manual' | 'none', note?: string }
 *     field: 'id' | 'firstName' | 'lastName' | 'fullName' | 'primaryEmail' | 'emails' | 'emails.<label>' | 'phones'
 *            | 'phones.<label>' | 'company' | 'jobTitle' | 'division' | 'notes' | 'address.line1' ... 'address.country'
 *            | 'permissions.active|portalAccess|canPostComments|canCloseTickets'
 *            | 'notifications.newTickets|ticketUpdates|newComments|formAssignments'
 *            | 'directory.syncId|organizationId|reportsToContactId|reportsToSyncId' | null (column not imported)
 *     labelColumn: for Google Contacts pairs (`E-mail 2 - Value` labeled by `E-mail 2 - Type`)
 *   400 VALIDATION details[{path:'file'|'mapping'|'mapping.<column>', message}] (empty file, header only,
 *       unreadable file, unknown field in mapping, a column name that is not in the file, two columns on one field)
 *   413 PAYLOAD_TOO_LARGE (KDESK_IMPORT_MAX_BYTES, default 200 MB), 415 UNSUPPORTED_MEDIA_TYPE (not CSV/XLSX)
 *
 * `mapping` (form field or JSON property) = { "<column header>": "<field>" | null | "ignore" }
 *   or, for a label taken from another column, { "<column>": { "field": "phones", "labelColumn": "<column>" } }.
 *   Columns not named keep their automatic mapping. Template column names (`job`, `contactIsActive`,
 *   `emailNewTickets`, `addressLine1`...) are accepted as fields too.
 *
 * ── Run ──────────────────────────────────────────────────────────────────────────────────────────────
 * POST /api/v1/imports   multipart: file | uploadId, mapping?, mode? ('upsert' default | 'create' | 'update'),
 *                        dryRun? ('true'|'false')      — or JSON { uploadId, mapping?, mode?, dryRun? }
 *   header Idempotency-Key (optional): a retried POST with the same key (same team) answers the same import.
 *   202 Import (below)
 *   409 CONFLICT when another import of the team is queued or running: details { importId } of that import
 *   400/403/413/415 as for preview
 *
 * GET  /api/v1/imports?limit=20                 → { items: Import[] }   newest first (extension)
 * GET  /api/v1/imports/:id                      → Import
 *   Import {
 *     id, status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled',
 *     mode: 'upsert' | 'create' | 'update', dryRun: boolean,
 *     fileName, fileSize, format, encoding, delimiter, headers: string[], mapping: MappingEntry[], unmappedColumns: string[],
 *     total: number | null,                     // data rows in the file (null until counted)
 *     processed, created, updated, unchanged, failed: number,   // what was actually written (dry run: would be)
 *     cancelRequested: boolean,
 *     error: string | null,                     // why the whole import failed (status 'failed')
 *     createdBy: { id: string | null, label: string },
 *     createdAt, startedAt: string | null, finishedAt: string | null, updatedAt: string,
 *     links: { self, rows, errors }             // relative URLs
 *   }
 * GET  /api/v1/imports/:id/rows?limit=100&offset=0&action=create|update|unchanged|fail
 *   → { items: { row: number, action: 'create'|'update'|'unchanged'|'fail', error: string | null,
 *                contactId: string | null, cells: string[] }[] }
 *   Per-row outcome: kept for the first 1,000 rows of every import (dry run or not) and for every failed row.
 *   `row` counts like a spreadsheet: the header is row 1, the first data row is row 2.
 * GET  /api/v1/imports/:id/errors.csv           → text/csv: the failed rows as uploaded (same headers) + `error`
 * POST /api/v1/imports/:id/cancel               → 202 Import (status 'cancelled', or cancelRequested while a batch finishes)
 * GET  /api/v1/imports/template.csv             → text/csv: the header row of SPEC §4
 *
 * ── Export ───────────────────────────────────────────────────────────────────────────────────────────
 * GET  /api/v1/contacts/export.csv?status=active|inactive|all&ids=a,b&q=&verified=&companyId=   (streams at once)
 * POST /api/v1/exports  { ids?: string[], filter?: { q?, status?, verified?, companyId? }, format?: 'csv' | 'xlsx' }
 *   202 Export { id, status, format, total: number | null, processed: number, error: string | null,
 *                downloadUrl: string | null (when succeeded), fileName, createdAt, finishedAt }
 * GET  /api/v1/exports/:id → Export;   GET /api/v1/exports/:id/download → the file
 */
export {};
