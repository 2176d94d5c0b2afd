// HTTP for the cloud directory sources (Microsoft Graph, Google Admin SDK): JSON requests with a
// per-request timeout, the run's abort signal, and bounded retries of throttled or unavailable answers
// (429 / 503 with Retry-After; Google's 403 rate-limit reasons with exponential backoff). Failures become
// DirectoryErrors in plain words.
import { outboundRequest, PrivateAddressError, ResponseTooLargeError, type AddressCheck } from '../http/outbound.ts';
import { privateAddressReason } from '../portal/issuer.rules.ts';
import { DirectoryError } from './source.ts';

/** The largest answer read from Graph or Google (a page of 999 users with their managers is a few MB). */
export const CLOUD_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const anyAddress: AddressCheck = () => null;

export interface CloudHttpOptions {
  /** Longest wait for one answer. */
  timeoutMs: number;
  /** Retries of a throttled / unavailable answer before the run gives up. */
  maxRetries?: number;
  /** First backoff when the answer gives no Retry-After (doubled each retry). */
  backoffMs?: number;
  /** Longest single wait (a Retry-After above it is capped). */
  maxWaitMs?: number;
  signal?: AbortSignal;
  /** What the requests reach, for the messages ("Microsoft Graph", "the Google Admin SDK"). */
  service: string;
  /**
   * Whether the URLs may reach loopback, private or link-local addresses (KDESK_ALLOW_PRIVATE_DIRECTORY_URLS:
   * development, tests against a loopback fake). Off, an overridden Graph or Google URL cannot make the
   * server reach its own network.
   */
  allowPrivateAddresses?: boolean;
  /** The largest answer read (default CLOUD_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/** What a cloud source's owner may tune of its requests (tests shorten the backoff; the server's network policy). */
export interface CloudSourceTuning {
  /** Backoff of throttled answers without Retry-After (doubled each retry; tests shorten it). */
  backoffMs?: number;
  maxRetries?: number;
  /** Whether overridden URLs may reach internal addresses (KDESK_ALLOW_PRIVATE_DIRECTORY_URLS). */
  allowPrivateAddresses?: boolean;
}

/** The options of one request of a cloud source reaching `service`. */
export const cloudOptions = (
  t: CloudSourceTuning,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  service: string,
): CloudHttpOptions => ({
  timeoutMs,
  signal,
  service,
  backoffMs: t.backoffMs,
  maxRetries: t.maxRetries,
  allowPrivateAddresses: t.allowPrivateAddresses,
});

export interface CloudResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

const GOOGLE_RATE_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded']);

/** Google answers some rate limits with 403 and a reason in its error body. */
export function isGoogleRateLimit(status: number, body: unknown): boolean {
  if (status !== 403) return false;
  const errors = (body as { error?: { errors?: { reason?: string }[]; status?: string } } | null)?.error;
  if (errors?.status === 'RESOURCE_EXHAUSTED') return true;
  return Boolean(errors?.errors?.some((e) => e.reason && GOOGLE_RATE_REASONS.has(e.reason)));
}

/** Seconds or an HTTP date → milliseconds; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const s = Number(value.trim());
  if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('Aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason ?? new Error('Aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A request whose network failure is explained (host, timeout); the answer is returned whatever its status. */
async function once(url: string, init: RequestInit, o: CloudHttpOptions): Promise<CloudResponse> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  let res: { status: number; headers: Headers; body: Buffer };
  try {
    res = await outboundRequest(new URL(url), {
      method: init.method,
      headers: init.headers as Record<string, string> | undefined,
      body: init.body as string | undefined,
      signal,
      maxBytes: o.maxResponseBytes ?? CLOUD_MAX_RESPONSE_BYTES,
      check: o.allowPrivateAddresses ? anyAddress : privateAddressReason,
    });
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason ?? err;
    if (err instanceof PrivateAddressError) {
      throw new DirectoryError(
        {
          code: 'unreachable',
          message: `${o.service} at ${host} is refused: ${err.reason}. A directory on an internal address is allowed only when the server sets KDESK_ALLOW_PRIVATE_DIRECTORY_URLS.`,
          field: null,
        },
        { cause: err },
      );
    }
    if (err instanceof ResponseTooLargeError) {
      throw new DirectoryError(
        {
          code: 'unavailable_source',
          message: `${o.service} (${host}) sent an answer larger than ${Math.round((o.maxResponseBytes ?? CLOUD_MAX_RESPONSE_BYTES) / 1048576)} MB: is the URL right?`,
          field: null,
        },
        { cause: err },
      );
    }
    if (timeout.aborted) {
      throw new DirectoryError(
        { code: 'timeout', message: `${o.service} (${host}) did not answer within ${Math.round(o.timeoutMs / 1000)} s.`, field: null },
        { cause: err },
      );
    }
    throw new DirectoryError(
      {
        code: 'unreachable',
        message: `Cannot reach ${o.service} at ${host}: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? '') : (err as Error).message}`,
        field: null,
      },
      { cause: err },
    );
  }
  const text = res.body.toString('utf8');
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * A request retried while the service throttles (429, Google's 403 rate limits) or is unavailable
 * (503, 502, 504): it waits Retry-After when given, else an exponential backoff; bounded by maxRetries.
 */
export async function cloudRequest(url: string, init: RequestInit, o: CloudHttpOptions): Promise<CloudResponse> {
  const maxRetries = o.maxRetries ?? 6;
  let backoff = o.backoffMs ?? 1000;
  const maxWait = o.maxWaitMs ?? 60_000;
  for (let attempt = 0; ; attempt++) {
    const r = await once(url, init, o);
    const throttled = r.status === 429 || isGoogleRateLimit(r.status, r.body);
    const unavailable = r.status === 503 || r.status === 502 || r.status === 504;
    if (!throttled && !unavailable) return r;
    if (attempt >= maxRetries) {
      throw new DirectoryError({
        code: 'unavailable_source',
        message: `${o.service} kept answering ${throttled ? 'that it is throttling this connection' : `${r.status} (unavailable)`} after ${maxRetries} retries; the run stopped and nobody was deactivated. Try again later.`,
        field: null,
      });
    }
    const wait = Math.min(maxWait, retryAfterMs(r.headers.get('retry-after')) ?? backoff);
    backoff = Math.min(maxWait, backoff * 2);
    await sleep(wait, o.signal);
  }
}

/** The error message of a Graph or Google error body, or the status. */
export function errorText(r: CloudResponse): string {
  const b = r.body as { error?: { message?: string; code?: string | number } | string; error_description?: string } | string | null;
  if (b && typeof b === 'object') {
    if (typeof b.error === 'object' && b.error?.message) return b.error.message;
    if (b.error_description) return b.error_description;
    if (typeof b.error === 'string') return b.error;
  }
  // a body that is not the service's JSON error is never echoed (an overridden URL may point anywhere)
  return `the answer was HTTP ${r.status}${typeof b === 'string' ? ' (not Microsoft Graph or Google JSON: is the URL right?)' : ''}`;
}
