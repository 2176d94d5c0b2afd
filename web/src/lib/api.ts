// Typed client for the kdesk REST API (same origin, session cookie). Every non-2xx answer becomes an
// ApiError carrying the server's `code`, `message` and `details` (SPEC §10).
import type { z } from 'zod';
import type {
  bulkActions,
  Contact,
  contactFilter,
  ContactInput,
  ContactPage,
  contactSorts,
  HistoryEntry,
  trashBulkActions,
  TrashBulkSummary,
  TrashPage,
} from '#shared/contact.schema.ts';
import type { ErrorCode } from '#shared/errors.ts';
import type { Export, ExportFilter, Import, ImportMode, ImportPreview, ImportRow, MappingInput, RowAction } from '#shared/import.schema.ts';
import type { Me, Member } from '#shared/member.schema.ts';
import type { TeamSettings, TeamSettingsPatch } from '#shared/settings.schema.ts';
import type { MailboxPage, PortalInviteResult } from '#shared/portal.schema.ts';

export type { Contact, ContactInput, ContactPage, HistoryEntry, Me, Member, TeamSettings, TeamSettingsPatch, TrashPage };

// Directory (SPEC §3): list filters and sort, bulk actions, background jobs, trash. Types come from
// the server's schemas (type-only, so zod stays out of the bundle).
export type ContactStatus = 'active' | 'inactive' | 'all';
export type ContactSortKey = (typeof contactSorts)[number];
export type ContactSort = ContactSortKey | `-${ContactSortKey}`;
/** The sort keys at run time (the URL is checked against them). */
export const contactSortKeys: readonly ContactSortKey[] = ['lastName', 'firstName', 'company', 'primaryEmail', 'createdAt', 'updatedAt'];

/** Which contacts: the same fields the list takes and a bulk action's `filter` carries. */
export type ContactFilter = Omit<z.input<typeof contactFilter>, 'verified'> & { verified?: boolean };

export interface ContactListQuery extends ContactFilter {
  sort?: ContactSort;
  limit?: number;
  cursor?: string | null;
}

export type BulkAction = (typeof bulkActions)[number];
export type BulkTarget = { ids: string[] } | { filter: ContactFilter };
/** 200 `{affected}` when the server did it at once, 202 `{jobId}` when a background job does it. */
export type BulkResult = { affected: number; jobId?: undefined } | { jobId: string; affected?: undefined };

/** Bulk actions of the Trash: restore, or erase for good ("purge"). */
export type TrashBulkAction = (typeof trashBulkActions)[number];
export type TrashBulkTarget = { ids: string[] } | { filter: { q?: string } };
export type { TrashBulkSummary };
/** 200 with the counts when the server did it at once, 202 `{jobId}` when a job does it (its result has the counts). */
export type TrashBulkResult = (TrashBulkSummary & { jobId?: undefined }) | { jobId: string; affected?: undefined };

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  processed: number;
  total: number | null;
  result: unknown;
  /** why a failed job stopped */
  error?: string | null;
}

export type TrashedContact = TrashPage['items'][number];
export type { Export, ExportFilter, Import, ImportMode, ImportPreview, ImportRow, MappingInput, RowAction };

export interface ApiErrorDetail {
  path: string;
  message: string;
  [extra: string]: unknown;
}

export type ApiErrorCode = ErrorCode | 'NETWORK' | 'UNKNOWN';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: ApiErrorDetail[];
  readonly requestId: string | null;
  /** `details` as sent when it is not a list of {path, message} (e.g. 412 {currentVersion}). */
  readonly rawDetails: unknown;

  constructor(init: { status: number; code: ApiErrorCode; message: string; details?: unknown; requestId?: string | null }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.rawDetails = init.details;
    this.details = Array.isArray(init.details)
      ? init.details.filter(
          (d): d is ApiErrorDetail => typeof d === 'object' && d !== null && typeof (d as ApiErrorDetail).message === 'string',
        )
      : [];
    this.requestId = init.requestId ?? null;
  }
}

export const isApiError = (e: unknown, code?: ApiErrorCode): e is ApiError =>
  e instanceof ApiError && (code === undefined || e.code === code);

/** A message fit to show a person, for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return 'Something went wrong';
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One call of the member API; feature clients (tickets) build on it. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let url = path;
  if (opts.query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the KDesk server. Check your connection and try again.' });
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const body = (json ?? {}) as { code?: string; message?: string; details?: unknown; requestId?: string };
    throw new ApiError({
      status: res.status,
      code: (body.code as ApiErrorCode | undefined) ?? 'UNKNOWN',
      message: body.message ?? `The server answered ${res.status} ${res.statusText}`.trim(),
      details: body.details,
      requestId: body.requestId ?? res.headers.get('x-request-id'),
    });
  }
  return json as T;
}

/** Turns an error answer (status + body text) into an ApiError, as `request` does. */
function errorFrom(status: number, statusText: string, text: string, requestId: string | null): ApiError {
  let body: { code?: string; message?: string; details?: unknown; requestId?: string };
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  const fallback = status === 413 ? 'The file is too large for the server.' : `The server answered ${status} ${statusText}`.trim();
  return new ApiError({
    status,
    code: (body.code as ApiErrorCode | undefined) ?? (status === 413 ? 'PAYLOAD_TOO_LARGE' : 'UNKNOWN'),
    message: body.message ?? fallback,
    details: body.details,
    requestId: body.requestId ?? requestId,
  });
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * POST multipart/form-data with upload progress. fetch() cannot report upload progress, so this uses
 * XMLHttpRequest; errors become the same ApiError as every other call. Aborting rejects with an AbortError.
 */
export function upload<T>(path: string, form: FormData, opts: { onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {}) {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.({ loaded: e.loaded, total: e.total });
    };
    xhr.onload = () => {
      const text = xhr.responseText;
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((text ? JSON.parse(text) : undefined) as T);
        } catch {
          reject(new ApiError({ status: xhr.status, code: 'UNKNOWN', message: 'The server sent an answer KDesk could not read.' }));
        }
        return;
      }
      reject(errorFrom(xhr.status, xhr.statusText, text, xhr.getResponseHeader('x-request-id')));
    };
    xhr.onerror = () =>
      reject(
        new ApiError({
          status: 0,
          code: 'NETWORK',
          message: 'The upload did not reach the KDesk server. Check your connection and try again.',
        }),
      );
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    if (opts.signal) {
      if (opts.signal.aborted) return reject(new DOMException('The upload was cancelled', 'AbortError'));
      opts.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}

const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });
const enc = encodeURIComponent;

export interface HistoryPage {
  items: HistoryEntry[];
  nextCursor: string | null;
}

export const api = {
  login: (email: string, password: string) => request<Me>('POST', '/api/v1/auth/login', { body: { email, password } }),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
  me: (signal?: AbortSignal) => request<Me>('GET', '/api/v1/me', { signal }),

  listContacts: (q: ContactListQuery, signal?: AbortSignal) =>
    request<ContactPage>('GET', '/api/v1/contacts', {
      query: { q: q.q, status: q.status, verified: q.verified, companyId: q.companyId, sort: q.sort, limit: q.limit, cursor: q.cursor },
      signal,
    }),
  getContact: (id: string, signal?: AbortSignal) => request<Contact>('GET', `/api/v1/contacts/${enc(id)}`, { signal }),
  createContact: (input: ContactInput) => request<Contact>('POST', '/api/v1/contacts', { body: input }),
  /** Partial update; `version` is sent as If-Match so a stale edit answers 412 instead of overwriting. */
  updateContact: (id: string, input: ContactInput, version: number) =>
    request<Contact>('PATCH', `/api/v1/contacts/${enc(id)}`, { body: input, headers: ifMatch(version) }),
  /** Moves the contact to the trash (restorable for 30 days). */
  deleteContact: (id: string) => request<void>('DELETE', `/api/v1/contacts/${enc(id)}`),
  bulkContacts: (action: BulkAction, target: BulkTarget) =>
    request<BulkResult>('POST', '/api/v1/contacts/bulk', { body: { action, ...target } }),
  getJob: (id: string, signal?: AbortSignal) => request<Job>('GET', `/api/v1/jobs/${enc(id)}`, { signal }),
  cancelJob: (id: string) => request<Job>('POST', `/api/v1/jobs/${enc(id)}/cancel`),
  listTrash: (q: { q?: string; limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<TrashPage>('GET', '/api/v1/contacts/trash', { query: { q: q.q, limit: q.limit, cursor: q.cursor }, signal }),
  restoreContact: (id: string) => request<Contact>('POST', `/api/v1/contacts/${enc(id)}/restore`),
  /** Restores or erases selected rows of the trash, or every row matching a search (`filter: {}`: the whole trash). */
  trashBulk: (action: TrashBulkAction, target: TrashBulkTarget) =>
    request<TrashBulkResult>('POST', '/api/v1/contacts/trash/bulk', { body: { action, ...target } }),
  /** Erases a contact from the trash at once. */
  purgeContact: (id: string) => request<void>('DELETE', `/api/v1/contacts/${enc(id)}`, { query: { purge: true } }),
  contactHistory: (id: string, q: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) =>
    request<HistoryPage>('GET', `/api/v1/contacts/${enc(id)}/history`, { query: { limit: q.limit, cursor: q.cursor }, signal }),

  getSettings: (signal?: AbortSignal) => request<TeamSettings>('GET', '/api/v1/settings', { signal }),
  updateSettings: (patch: TeamSettingsPatch) => request<TeamSettings>('PATCH', '/api/v1/settings', { body: patch }),

  listMembers: (signal?: AbortSignal) => request<{ items: Member[] }>('GET', '/api/v1/members', { signal }),

  // contact portal and mailbox (SPEC §6, §7)
  teamPortalLink: () => request<{ url: string }>('GET', '/api/v1/portal-link'),
  /** A new contact-specific link; the contact's previous link stops working. */
  contactPortalLink: (id: string) => request<{ url: string }>('POST', `/api/v1/contacts/${enc(id)}/portal-link`),
  inviteContact: (id: string) => request<PortalInviteResult>('POST', `/api/v1/contacts/${enc(id)}/invite`),
  mailbox: (q: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<MailboxPage>('GET', '/api/v1/mailbox/messages', { query: { limit: q.limit, cursor: q.cursor }, signal }),
  /** Uploads a file and answers its columns, the automatic mapping and sample rows (nothing is imported). */
  previewImport: (file: File, opts: { onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {}) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return upload<ImportPreview>('/api/v1/imports/preview', form, opts);
  },
  /** Reads an uploaded file again in another encoding (nothing is uploaded). */
  previewAgain: (input: { uploadId: string; encoding: string }) =>
    request<ImportPreview>('POST', '/api/v1/imports/preview', { body: input }),
  /** Starts an import (or a dry run) of an uploaded file; the key makes a retried click answer the same import. */
  startImport: (
    input: {
      uploadId: string;
      mapping: MappingInput;
      mode: ImportMode;
      dryRun: boolean;
      matchBy?: Import['matchBy'];
      createCompanies?: boolean;
    },
    idempotencyKey?: string,
  ) =>
    request<Import>('POST', '/api/v1/imports', {
      body: input,
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined,
    }),
  listImports: (limit: number, signal?: AbortSignal) =>
    request<{ items: Import[] }>('GET', '/api/v1/imports', { query: { limit }, signal }),
  getImport: (id: string, signal?: AbortSignal) => request<Import>('GET', `/api/v1/imports/${enc(id)}`, { signal }),
  importRows: (id: string, q: { limit: number; offset: number; action?: RowAction | null }, signal?: AbortSignal) =>
    request<{ items: ImportRow[] }>('GET', `/api/v1/imports/${enc(id)}/rows`, {
      query: { limit: q.limit, offset: q.offset, action: q.action },
      signal,
    }),
  cancelImport: (id: string) => request<Import>('POST', `/api/v1/imports/${enc(id)}/cancel`),

  createExport: (input: { ids?: string[]; filter?: ExportFilter; format: 'csv' | 'xlsx' }) =>
    request<Export>('POST', '/api/v1/exports', { body: input }),
  getExport: (id: string, signal?: AbortSignal) => request<Export>('GET', `/api/v1/exports/${enc(id)}`, { signal }),
};

/** Plain links (the browser downloads them with the session cookie). */
export const downloads = {
  importTemplate: '/api/v1/imports/template.csv',
  importErrors: (id: string) => `/api/v1/imports/${enc(id)}/errors.csv`,
  exportDownload: (id: string) => `/api/v1/exports/${enc(id)}/download`,
  /** The streaming CSV export of some contacts (`ids`) or of a directory filter. */
  contactsCsv: (scope: { ids?: string[]; filter?: ExportFilter }) => {
    const qs = new URLSearchParams();
    if (scope.ids) qs.set('ids', scope.ids.join(','));
    for (const [k, v] of Object.entries(scope.filter ?? {})) if (v) qs.set(k, String(v));
    const s = qs.toString();
    return `/api/v1/contacts/export.csv${s ? `?${s}` : ''}`;
  },
};
