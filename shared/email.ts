// The single place that decides what an email address is and when two are the same.
// JavaScript and PostgreSQL case-fold differently (e.g. 'İ', 'ß'), so the database never folds
// emails itself: it stores what normalizeEmail returns and compares those strings.

export const EMAIL_MAX_LENGTH = 254;

export type EmailResult = { ok: true; email: string } | { ok: false; message: string };

const LOCAL_PART = /^[^\s@"(),:;<>[\\\]]+$/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normalizeEmail(input: string): EmailResult {
  const trimmed = input.normalize('NFC').trim();
  if (trimmed === '') return { ok: false, message: 'Email address is empty' };
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return { ok: false, message: 'Email address must look like name@example.com' };
  const local = trimmed.slice(0, at);
  const domainInput = trimmed.slice(at + 1);
  if (local.length > 64) return { ok: false, message: 'The part before @ is longer than 64 characters' };
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, message: 'The part before @ contains characters an address cannot have' };
  }
  // IDN domains are stored in punycode (ASCII) so every path compares the same bytes.
  const domain = toAsciiDomain(domainInput.replace(/\.$/, ''));
  if (!domain) return { ok: false, message: 'The domain is not a valid domain name' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || /^[0-9]+$/.test(labels.at(-1)!)) {
    return { ok: false, message: 'The domain is not a valid domain name' };
  }
  const email = `${local.toLowerCase()}@${domain}`;
  if (email.length > EMAIL_MAX_LENGTH) return { ok: false, message: `Email address is longer than ${EMAIL_MAX_LENGTH} characters` };
  return { ok: true, email };
}

/** IDN → punycode with the WHATWG URL parser (same result in Node and browsers); null when invalid. */
function toAsciiDomain(domain: string): string | null {
  if (/[\s/?#:@\\%[\]]/u.test(domain)) return null;
  try {
    return new URL(`http://${domain}/`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
