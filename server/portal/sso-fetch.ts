// The HTTP client of SSO (discovery, keys, token requests). Unless issuers on internal addresses are
// allowed, every connection checks the addresses its host name resolves to at connect time, so neither
// an issuer URL, nor an endpoint its discovery document names, nor a DNS answer that changes after the
// settings were saved can make the server reach an internal address.
import dns from 'node:dns';
import { isIP } from 'node:net';
import type * as oidc from 'openid-client';
import { outboundRequest, type AddressCheck } from '../http/outbound.ts';
import { privateAddressReason } from './issuer.rules.ts';

export { PrivateAddressError } from '../http/outbound.ts';

/** Discovery documents and keys are small; anything bigger is not an identity provider's answer. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Why `url`'s host must not be contacted (it is, or resolves to, an internal address), or null. */
export async function internalHostReason(url: URL): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return privateAddressReason(host);
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return null; // a name that does not resolve cannot be reached either; discovery reports it
  }
  for (const a of addresses) {
    const reason = privateAddressReason(a.address);
    if (reason) return reason;
  }
  return null;
}

function bodyOf(body: oidc.CustomFetchOptions['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new Error('Streamed request bodies are not used by SSO');
}

function headersOf(h: oidc.CustomFetchOptions['headers']): Record<string, string> {
  return h instanceof Headers ? Object.fromEntries(h.entries()) : { ...(h as Record<string, string>) };
}

/** A fetch for openid-client whose connections refuse the addresses `check` gives a reason for. */
export function ssoFetch(check: AddressCheck): oidc.CustomFetch {
  return async (url, options) => {
    const r = await outboundRequest(new URL(url), {
      method: options.method,
      headers: headersOf(options.headers),
      body: bodyOf(options.body),
      signal: options.signal ?? undefined,
      maxBytes: MAX_RESPONSE_BYTES,
      check,
    });
    const empty = r.status === 204 || r.status === 205 || r.status === 304;
    return new Response(empty ? null : Uint8Array.from(r.body), { status: r.status, headers: r.headers });
  };
}

/** The SSO client's fetch in production: internal addresses refused. */
export const guardedFetch = ssoFetch(privateAddressReason);
/** With KDESK_ALLOW_PRIVATE_ISSUERS (development, tests against a provider on loopback). */
export const unguardedFetch = ssoFetch(() => null);
