// The HTTP client of SSO (discovery, keys, token requests). Unless issuers on internal addresses are
// allowed, every connection checks the addresses its host name resolves to at connect time, so neither
// an issuer URL, nor an endpoint its discovery document names, nor a DNS answer that changes after the
// settings were saved can make the server reach an internal address.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type * as oidc from 'openid-client';
import { privateAddressReason } from './issuer.rules.ts';

/** Discovery documents and keys are small; anything bigger is not an identity provider's answer. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export class PrivateAddressError extends Error {}

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

type AddressCheck = (address: string) => string | null;

// every address of the name is checked, not only the one the connection would try first
const checkedLookup =
  (check: AddressCheck): LookupFunction =>
  (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = list.map((a) => check(a.address)).find((r) => r !== null);
      if (bad) return callback(new PrivateAddressError(`${hostname}: ${bad}`), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };

function bodyOf(body: oidc.CustomFetchOptions['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new Error('Streamed request bodies are not used by SSO');
}

/** A fetch for openid-client whose connections refuse the addresses `check` gives a reason for. */
export function ssoFetch(check: AddressCheck): oidc.CustomFetch {
  const lookup = checkedLookup(check);
  return async (url, options) => {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // an IP literal never goes through the lookup
    const literal = isIP(host) ? check(host) : null;
    if (literal) throw new PrivateAddressError(`${host}: ${literal}`);
    const client = u.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = client.request(u, { method: options.method, headers: options.headers, lookup, signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`The answer of ${u.origin} is larger than ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 205 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on('error', reject);
      req.end(bodyOf(options.body));
    });
  };
}

/** The SSO client's fetch in production: internal addresses refused. */
export const guardedFetch = ssoFetch(privateAddressReason);
/** With KDESK_ALLOW_PRIVATE_ISSUERS (development, tests against a provider on loopback). */
export const unguardedFetch = ssoFetch(() => null);
