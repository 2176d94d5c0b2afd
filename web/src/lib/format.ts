import type { Contact } from './api.ts';

type Named = Pick<Contact, 'firstName' | 'lastName' | 'company' | 'primaryEmail' | 'emails'>;

// Chinese, Japanese and Korean names: family name first, without a space (김민준, 王伟, 山田太郎).
const cjk = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005\s]+$/u;

/** First and last name as the person writes them: "Jane Doe", but "김민준" for 민준 / 김. */
export function personName(firstName: string | null | undefined, lastName: string | null | undefined): string {
  const first = firstName?.trim() ?? '';
  const last = lastName?.trim() ?? '';
  if (first && last && cjk.test(first) && cjk.test(last)) return `${last}${first}`;
  return [first, last].filter(Boolean).join(' ');
}

/** The name a person would use for the contact: full name, else company, else an email. */
export function contactName(c: Named): string {
  const full = personName(c.firstName, c.lastName);
  if (full) return full;
  if (c.company) return c.company;
  if (c.primaryEmail) return c.primaryEmail;
  const first = Object.values(c.emails ?? {})[0];
  return first ?? 'Unnamed contact';
}

export function initials(name: string): string {
  // a CJK name's family name is its first character (김민준 → 김)
  if (cjk.test(name.trim()) && name.trim()) return name.trim()[0]!;
  const parts = name
    .replace(/@.*/, '')
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = parts.length >= 2 ? [parts[0]![0], parts.at(-1)![0]] : [parts[0]?.[0], parts[0]?.[1]];
  return letters.filter(Boolean).join('').toUpperCase() || '?';
}

const phonePreference = ['mobile', 'work', 'office', 'phone', 'main', 'home'];

/** The phone to show in one line: mobile first, then work..., else the first one stored. */
export function firstPhone(c: Pick<Contact, 'phones'>): { label: string; number: string } | null {
  const entries = Object.entries(c.phones ?? {});
  const rank = (label: string) => {
    const i = phonePreference.indexOf(label.toLowerCase());
    return i < 0 ? phonePreference.length : i;
  };
  const entry = entries.sort(([a], [b]) => rank(a) - rank(b))[0];
  return entry ? { label: entry[0], number: entry[1] } : null;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relativeLong = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const relativeShort = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatDate = (iso: string) => dateOnly.format(new Date(iso));

/** "just now", "5 minutes ago" ("5 min. ago" when short), "yesterday"; older than a week shows the date. */
export function formatRelative(iso: string, now = Date.now(), style: 'long' | 'short' = 'long'): string {
  const relative = style === 'short' ? relativeShort : relativeLong;
  const diff = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(diff / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(diff / 3600), 'hour');
  if (abs < 7 * 86_400) return relative.format(Math.round(diff / 86_400), 'day');
  return formatDate(iso);
}

export const formatCount = (n: number) => new Intl.NumberFormat().format(n);

export function plural(n: number, one: string, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export const roleLabel = { owner: 'Owner', admin: 'Admin', agent: 'Agent' } as const;

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** "1,234 contacts", or "about 1.2M contacts" when the server only estimated the total. */
export function formatTotal(total: number, isEstimate: boolean, one: string, many = `${one}s`): string {
  return isEstimate ? `about ${compact.format(total)} ${many}` : plural(total, one, many);
}

/** Whole days until `iso` (rounded up, never below 0). */
export function daysUntil(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now) / 86_400_000));
}
