// Where a search appears in a value, folding case and accents the way the server's search does
// ("nunez" marks "Núñez", "strasse" marks "Straße"), so the marked text is what made the row match.

// ranges of combining marks, the same as server/contacts/search.rules.ts (escaped: nothing combines here)
// eslint-disable-next-line no-misleading-character-class
const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;

function foldChar(ch: string): string {
  return ch
    .normalize('NFKD')
    .replace(MARKS, '')
    .toUpperCase()
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/ς/g, 'σ')
    .normalize('NFKD')
    .replace(MARKS, '');
}

export function foldForMatch(s: string): string {
  return [...s].map(foldChar).join('').replace(/\s+/gu, ' ').trim().normalize('NFC');
}

/** [start, end) ranges of `text` (UTF-16 offsets) where the folded query occurs; empty when it does not. */
export function matchRanges(text: string, query: string): [number, number][] {
  const needle = foldForMatch(query);
  if (!needle || !text) return [];
  // folded text, and for each of its UTF-16 units the range of the original character it came from
  let folded = '';
  const from: number[] = [];
  const to: number[] = [];
  let offset = 0;
  for (const ch of text) {
    const f = foldChar(ch).normalize('NFC');
    for (let k = 0; k < f.length; k++) {
      from.push(offset);
      to.push(offset + ch.length);
    }
    folded += f;
    offset += ch.length;
  }
  const ranges: [number, number][] = [];
  let i = folded.indexOf(needle);
  while (i >= 0 && ranges.length < 20) {
    const start = from[i]!;
    const end = to[i + needle.length - 1]!;
    if (!ranges.length || start >= ranges[ranges.length - 1]![1]) ranges.push([start, end]);
    i = folded.indexOf(needle, i + needle.length);
  }
  return ranges;
}

/** The text cut into plain and matching parts, in order. */
export function splitMatches(text: string, query: string): { text: string; match: boolean }[] {
  const ranges = matchRanges(text, query);
  if (!ranges.length) return [{ text, match: false }];
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    if (s > at) parts.push({ text: text.slice(at, s), match: false });
    parts.push({ text: text.slice(s, e), match: true });
    at = e;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
