// Makes a stored mail's HTML part safe to show in the mailbox's sandboxed iframe: no scripts (the
// iframe has no allow-scripts and the document gets a CSP that forbids them as well), links open in a
// new tab, and nothing is fetched from other sites (images and styles from the web stay blocked, as a
// careful mail client does).

const guard = [
  '<meta charset="utf-8">',
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'">`,
  '<meta name="referrer" content="no-referrer">',
  '<base target="_blank">',
].join('');

/** The srcdoc for a mail's HTML part. */
export function mailSrcDoc(html: string): string {
  // put the guard first in <head>, so it applies before anything the mail says
  if (/<head[^>]*>/i.test(html)) return html.replace(/<head[^>]*>/i, (head) => `${head}${guard}`);
  if (/<html[^>]*>/i.test(html)) return html.replace(/<html[^>]*>/i, (tag) => `${tag}<head>${guard}</head>`);
  return `<!doctype html><html><head>${guard}</head><body>${html}</body></html>`;
}

/** Splits plain text into text and http(s) links, for a text part with clickable links. */
export function linkify(text: string): ({ text: string } | { href: string })[] {
  const out: ({ text: string } | { href: string })[] = [];
  const re = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    // a sentence's closing punctuation is not part of the link
    const href = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ href });
    last = m.index + href.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
