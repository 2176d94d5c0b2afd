// Pure rules for outgoing mail: templates (plain, branded with the team name, a text part and an
// HTML part where every interpolated value is escaped) and the retry schedule. No I/O.

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** A subject is one line: line breaks and other control characters become spaces. */
export function oneLine(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** Only http(s) URLs go into an href; anything else is refused rather than escaped into a link. */
export function safeHref(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`Refusing to put a ${u.protocol} URL into a mail`);
  return escapeHtml(u.toString());
}

/** The team's support address, when it set one (Team settings > General): said in every mail. */
const supportLine = (supportEmail: string | null | undefined) => (supportEmail ? `Questions? Write to ${supportEmail}.` : null);

/** The branded frame of every mail: the team name on top and at the bottom, values escaped by the caller. */
export function layout(
  teamName: string,
  bodyHtml: string,
  footer = `Sent by the portal of ${teamName}.`,
  supportEmail?: string | null,
): string {
  const team = escapeHtml(teamName);
  const support = supportLine(supportEmail);
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328">',
    '<div style="max-width:520px;margin:0 auto;background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:24px">',
    `<div style="font-size:14px;font-weight:600;color:#57606a;margin-bottom:16px">${team}</div>`,
    bodyHtml,
    ...(support ? [`<p style="margin:16px 0 0;font-size:13px;color:#57606a">${escapeHtml(support)}</p>`] : []),
    `<div style="margin-top:24px;font-size:12px;color:#8c959f">${escapeHtml(footer)}</div>`,
    '</div></body></html>',
  ].join('\n');
}

/** The sign-in code mail. The code is shown in groups for reading; the portal accepts it with or without the space. */
/** `portalUrl` null: no address is trusted for a link (see trustedMailBase), the mail carries only the code. */
export function renderCodeMail(p: {
  teamName: string;
  code: string;
  minutes: number;
  portalUrl: string | null;
  supportEmail?: string | null;
}): RenderedMail {
  const shown = `${p.code.slice(0, 3)} ${p.code.slice(3)}`;
  const text = [
    `Your sign-in code for the portal of ${p.teamName}:`,
    '',
    `    ${shown}`,
    '',
    `Enter it on the sign-in page within ${p.minutes} minutes. It works once.`,
    ...(p.portalUrl ? [`Portal: ${p.portalUrl}`] : []),
    '',
    'If you did not ask for this code, you can ignore this message: nobody can sign in without it.',
    ...(p.supportEmail ? ['', supportLine(p.supportEmail)!] : []),
  ].join('\n');
  const html = layout(
    p.teamName,
    [
      `<p style="margin:0 0 12px">Your sign-in code for the portal of ${escapeHtml(p.teamName)}:</p>`,
      `<p style="margin:0 0 12px;font-size:28px;font-weight:700;letter-spacing:4px;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(shown)}</p>`,
      `<p style="margin:0 0 12px">Enter it on the sign-in page within ${p.minutes} minutes. It works once.</p>`,
      ...(p.portalUrl ? [`<p style="margin:0 0 12px"><a href="${safeHref(p.portalUrl)}">Open the portal</a></p>`] : []),
      '<p style="margin:0;color:#57606a">If you did not ask for this code, you can ignore this message: nobody can sign in without it.</p>',
    ].join('\n'),
    `Sent by the portal of ${p.teamName}.`,
    p.supportEmail,
  );
  return { subject: oneLine(`Your ${p.teamName} sign-in code`), text, html };
}

/** "Send portal invitation": the contact-specific link. */
export function renderInvitationMail(p: {
  teamName: string;
  contactName: string | null;
  url: string;
  supportEmail?: string | null;
}): RenderedMail {
  const greeting = p.contactName ? `Hello ${p.contactName},` : 'Hello,';
  const text = [
    greeting,
    '',
    `${p.teamName} invites you to its support portal, where you can follow your requests and choose which emails you get.`,
    '',
    `Open your personal link to sign in: ${p.url}`,
    '',
    'We will send a one-time code to this address when you sign in. Keep the link to yourself.',
    ...(p.supportEmail ? ['', supportLine(p.supportEmail)!] : []),
  ].join('\n');
  const html = layout(
    p.teamName,
    [
      `<p style="margin:0 0 12px">${escapeHtml(greeting)}</p>`,
      `<p style="margin:0 0 16px">${escapeHtml(p.teamName)} invites you to its support portal, where you can follow your requests and choose which emails you get.</p>`,
      `<p style="margin:0 0 16px"><a href="${safeHref(p.url)}" style="display:inline-block;background:#1f6feb;color:#fff;text-decoration:none;padding:10px 16px;border-radius:6px">Sign in to the portal</a></p>`,
      `<p style="margin:0 0 12px;font-size:13px;color:#57606a">Or paste this address into your browser: ${escapeHtml(p.url)}</p>`,
      '<p style="margin:0;color:#57606a">We will send a one-time code to this address when you sign in. Keep the link to yourself.</p>',
    ].join('\n'),
    `Sent by the portal of ${p.teamName}.`,
    p.supportEmail,
  );
  return { subject: oneLine(`${p.teamName} invites you to its support portal`), text, html };
}

const button = (url: string, label: string) =>
  `<p style="margin:0 0 16px"><a href="${safeHref(url)}" style="display:inline-block;background:#1f6feb;color:#fff;text-decoration:none;padding:10px 16px;border-radius:6px">${escapeHtml(label)}</a></p>`;
const pasteLine = (url: string) =>
  `<p style="margin:0 0 12px;font-size:13px;color:#57606a;overflow-wrap:anywhere;word-break:break-all">Or paste this address into your browser: ${escapeHtml(url)}</p>`;
const para = (text: string, extra = '') => `<p style="margin:0 0 12px${extra}">${escapeHtml(text)}</p>`;

const roleNames = { owner: 'an owner', admin: 'an admin', agent: 'an agent' } as const;

/** A person is invited to join a team as a member (a one-time link). */
export function renderMemberInvitationMail(p: {
  teamName: string;
  inviter: string | null;
  role: keyof typeof roleNames;
  url: string;
  days: number;
  supportEmail?: string | null;
}): RenderedMail {
  const who = p.inviter ? `${p.inviter} invites you` : 'You are invited';
  const lead = `${who} to join ${p.teamName} on kdesk as ${roleNames[p.role]}.`;
  const validity = `The link works once and for ${p.days} days. If you did not expect this invitation, you can ignore this message.`;
  const contact = supportLine(p.supportEmail);
  const text = [lead, '', `Accept the invitation and choose your password: ${p.url}`, '', validity, ...(contact ? ['', contact] : [])].join(
    '\n',
  );
  const html = layout(
    p.teamName,
    [
      para(lead),
      button(p.url, 'Accept the invitation'),
      pasteLine(p.url),
      para(validity, ';color:#57606a'),
      ...(contact ? [para(contact)] : []),
    ].join('\n'),
    `Sent by kdesk for ${p.teamName}.`,
    p.supportEmail,
  );
  return { subject: oneLine(`Join ${p.teamName} on kdesk`), text, html };
}

/** A member asked to reset their password. `url` null: no trusted address for a link (see trustedMailBase). */
export function renderPasswordResetMail(p: {
  teamName: string;
  url: string | null;
  token: string;
  minutes: number;
  supportEmail?: string | null;
}): RenderedMail {
  const lead = `Someone asked to reset the password of your ${p.teamName} account on kdesk.`;
  const validity = `The link works once and for ${p.minutes} minutes. If it was not you, ignore this message: your password stays as it is.`;
  const where = p.url
    ? `Choose a new password: ${p.url}`
    : `Open /reset-password/${p.token} on the address where you use kdesk to choose a new password.`;
  const text = [lead, '', where, '', validity, ...(p.supportEmail ? ['', supportLine(p.supportEmail)!] : [])].join('\n');
  const html = layout(
    p.teamName,
    [
      para(lead),
      ...(p.url ? [button(p.url, 'Choose a new password'), pasteLine(p.url)] : [para(where)]),
      para(validity, ';color:#57606a'),
    ].join('\n'),
    `Sent by kdesk for ${p.teamName}.`,
    p.supportEmail,
  );
  return { subject: oneLine(`Reset your ${p.teamName} password`), text, html };
}

/** An export job the member started is done: the download link (it needs the member signed in). */
export function renderExportReadyMail(p: {
  teamName: string;
  name: string | null;
  fileName: string;
  rows: number;
  url: string;
  hours: number;
  supportEmail?: string | null;
}): RenderedMail {
  const greeting = p.name ? `Hello ${p.name},` : 'Hello,';
  const lead = `your export of ${p.rows.toLocaleString('en-US')} contact${p.rows === 1 ? '' : 's'} (${p.fileName}) is ready.`;
  const validity = `The file can be downloaded for ${p.hours} hours by you, signed in to kdesk.`;
  const text = [greeting, '', lead, '', `Download it: ${p.url}`, '', validity].join('\n');
  const html = layout(
    p.teamName,
    [para(greeting), para(lead), button(p.url, 'Download the export'), pasteLine(p.url), para(validity, ';color:#57606a')].join('\n'),
    `Sent by kdesk for ${p.teamName}.`,
    p.supportEmail,
  );
  return { subject: oneLine(`Your ${p.teamName} contact export is ready`), text, html };
}

export const MAIL_RETRY = { baseSeconds: 30, maxSeconds: 6 * 3600 };

/** Delay before retry number `attempts` (1 after the first failure): 30 s, 1 min, 2 min, ... capped at 6 h. */
export function retryDelaySeconds(attempts: number): number {
  const n = Math.max(1, attempts);
  return Math.min(MAIL_RETRY.maxSeconds, MAIL_RETRY.baseSeconds * 2 ** Math.min(n - 1, 20));
}

/** Error text kept on the row: first line, without credentials of an smtp://user:pass@ URL, bounded. */
export function describeSendError(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string };
  const base = (e?.message ?? String(err)).split('\n')[0]!.replace(/\/\/[^/@\s]*@/g, '//***@');
  const code = e?.responseCode ? ` (SMTP ${e.responseCode})` : e?.code ? ` (${e.code})` : '';
  return (base + code).slice(0, 500);
}
