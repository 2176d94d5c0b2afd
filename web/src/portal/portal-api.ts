// Client of the contact portal API (/portal/api/<teamSlug>/...). The session is the portal's own HttpOnly
// cookie; nothing here reads or shares the KDesk App's member session. Errors are ApiErrors (SPEC §10),
// with the Retry-After of a 429 as `retryAfterSeconds`.
import type { PortalNotificationsPatch, PortalProfile, PortalTeamInfo } from '#shared/portal.schema.ts';
import { ApiError, type ApiErrorCode } from '../lib/api.ts';

export type { PortalProfile, PortalTeamInfo };
export type NotificationKey = keyof PortalProfile['notifications'];

export class PortalApiError extends ApiError {
  /** Seconds to wait before trying again (429 Retry-After), or null. */
  readonly retryAfterSeconds: number | null;
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { retryAfterSeconds?: number | null }) {
    super(init);
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

/** Retry-After as seconds: a number, or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** One call of the portal API; feature clients (tickets) build on it. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new PortalApiError({
      status: 0,
      code: 'NETWORK',
      message: 'We could not reach the support portal. Check your connection and try again.',
    });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const b = (json ?? {}) as { code?: string; message?: string; details?: unknown; requestId?: string };
    throw new PortalApiError({
      status: res.status,
      code: (b.code as ApiErrorCode | undefined) ?? 'UNKNOWN',
      message: b.message ?? `The server answered ${res.status} ${res.statusText}`.trim(),
      details: b.details,
      requestId: b.requestId ?? res.headers.get('x-request-id'),
      retryAfterSeconds: parseRetryAfter(res.headers.get('retry-after')),
    });
  }
  return json as T;
}

const base = (slug: string) => `/portal/api/${encodeURIComponent(slug)}`;

export const portalApi = {
  team: (slug: string) => request<PortalTeamInfo>('GET', base(slug)),
  startWithEmail: (slug: string, email: string) =>
    request<{ requestId: string; expiresInSeconds: number }>('POST', `${base(slug)}/login/start`, { email }),
  startWithLink: (slug: string, linkToken: string) =>
    request<{ requestId: string; expiresInSeconds: number }>('POST', `${base(slug)}/login/start`, { linkToken }),
  verify: (slug: string, requestId: string, code: string) =>
    request<PortalProfile>('POST', `${base(slug)}/login/verify`, { requestId, code }),
  me: (slug: string) => request<PortalProfile>('GET', `${base(slug)}/me`),
  updateNotifications: (slug: string, patch: PortalNotificationsPatch) =>
    request<PortalProfile>('PATCH', `${base(slug)}/me/notifications`, patch),
  logout: (slug: string) => request<void>('POST', `${base(slug)}/logout`),
  ssoStartUrl: (slug: string, provider: 'google' | 'microsoft') => `${base(slug)}/sso/${provider}/start`,
};
