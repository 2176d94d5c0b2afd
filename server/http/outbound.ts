// Requests the server makes to addresses a team owner typed (an SSO issuer, a Microsoft Graph or Google
// Admin SDK URL overridden in a sync connection). Two guards: the addresses a host name resolves to are
// checked when the connection is made (so neither the saved URL, nor a link an answer names, nor a DNS
// answer that changes later can make the server reach its loopback, the cloud metadata service or the
// private network), and the answer is read up to a size limit (a hostile server cannot grow our memory).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/** The host is, or resolves to, an address the server must not reach. */
export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  /** Why, without the host ("Resolves to 127.0.0.1, a loopback … address"). */
  readonly reason: string;
  constructor(message: string, reason?: string) {
    super(message);
    this.reason = reason ?? message;
  }
}

/** The answer is larger than the request allowed. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

/** Why the server must not connect to `address` (an IP literal), or null when it may. */
export type AddressCheck = (address: string) => string | null;

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** The largest answer read; a larger one fails with ResponseTooLargeError. */
  maxBytes: number;
  check: AddressCheck;
}

export interface OutboundResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

// every address of the name is checked, not only the one the connection would try first
const checkedLookup =
  (check: AddressCheck): LookupFunction =>
  (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = list.map((a) => check(a.address)).find((r) => r !== null);
      if (bad) return callback(new PrivateAddressError(`${hostname}: ${bad}`, bad), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };

const lookups = new WeakMap<AddressCheck, LookupFunction>();
const lookupFor = (check: AddressCheck) => {
  let l = lookups.get(check);
  if (!l) lookups.set(check, (l = checkedLookup(check)));
  return l;
};

// connections are reused between the requests of a run (a sync reads hundreds of pages from one host)
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** One request to `url`, refused before any byte is sent when its host is an address `check` gives a reason for. */
export function outboundRequest(url: URL, o: OutboundRequest): Promise<OutboundResponse> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // an IP literal never goes through the lookup
  const literal = isIP(host) ? o.check(host) : null;
  if (literal) return Promise.reject(new PrivateAddressError(`${host}: ${literal}`, literal));
  const tls = url.protocol === 'https:';
  const client = tls ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: o.method ?? 'GET',
        headers: o.headers,
        lookup: lookupFor(o.check),
        signal: o.signal,
        agent: tls ? agents.https : agents.http,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) req.destroy(new ResponseTooLargeError(`The answer of ${url.origin} is larger than ${o.maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
          resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
