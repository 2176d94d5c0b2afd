// Pure rules of companies: what a company domain is (IDN in punycode, lower case, like the domain part of
// every stored email) and which domains are personal mail providers, refused as company domains.
// The providers' list is free-email-domains 1.12.6 from npm (MIT, see free-email-domains.LICENSE.txt),
// kept here as a file: the npm package refreshes its list from the network in a postinstall script, which
// fails offline and would make the list differ from install to install. Update it with
// `node scripts/update-free-email-domains.mjs <version>`.
import { readFileSync } from 'node:fs';
import type { ErrorDetail } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';

let personal: Set<string> | null = null;
function personalDomains(): Set<string> {
  // read on first use (about 200 kB, 14,000 domains)
  personal ??= new Set(
    readFileSync(new URL('./free-email-domains.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  return personal;
}

/** A personal mail provider's domain, or a subdomain of one (mail.yahoo.co.jp). */
export function isPersonalDomain(domain: string): boolean {
  const set = personalDomains();
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (set.has(labels.slice(i).join('.'))) return true;
  return false;
}

/** A domain as typed (`Example.COM`, `@example.com`, `회사.한국`, `example.com.`) in its stored form, or null. */
export function normalizeDomain(input: string): string | null {
  const d = input.trim().replace(/^@/, '');
  if (!d || d.includes('@')) return null;
  const r = normalizeEmail(`x@${d}`);
  return r.ok ? r.email.slice(2) : null;
}

/** The domain part of a stored (normalised) email, or null. */
export const emailDomain = (email: string | null): string | null => {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  return at < 0 ? null : email.slice(at + 1);
};

/** The domains of a company as given: normalised, de-duplicated, each bad or personal one named by its path. */
export function normalizeDomains(domains: readonly string[]): { ok: true; value: string[] } | { ok: false; details: ErrorDetail[] } {
  const out: string[] = [];
  const details: ErrorDetail[] = [];
  domains.forEach((raw, i) => {
    const d = normalizeDomain(raw);
    if (!d) details.push({ path: `domains.${i}`, message: 'Not a domain name (like example.com)' });
    else if (isPersonalDomain(d)) {
      details.push({ path: `domains.${i}`, message: `${d} is a personal mail provider: its users are not one company` });
    } else if (!out.includes(d)) out.push(d);
  });
  return details.length ? { ok: false, details } : { ok: true, value: out };
}

/** The case-folded key a company's name sorts and is searched by. */
export const nameKey = (name: string) => name.normalize('NFKC').toLowerCase();

/** `from`/`to` days (inclusive) as a half-open time range in UTC. */
export function dayRange(from: string | undefined, to: string | undefined): { start: Date | null; end: Date | null } {
  const start = from ? new Date(`${from}T00:00:00.000Z`) : null;
  const end = to ? new Date(new Date(`${to}T00:00:00.000Z`).getTime() + 86_400_000) : null;
  return { start, end };
}
