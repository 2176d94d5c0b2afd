// Sign-in code helpers: what a person types or pastes becomes the code the API checks. Codes use the
// alphabet of shared/portal.schema.ts (no 0/O, 1/I/L, U); mail shows them as "ABC DEFG".
// The two constants are repeated here because that module imports zod, which the portal bundle does
// not need; code.test.ts checks that they stay the same.
export const CODE_LENGTH = 7;
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Uppercase letters and digits only, at most `length` of them: "abc-defg" → "ABCDEFG". */
export function normalizeCode(raw: string, length = CODE_LENGTH): string {
  return raw
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, length);
}

/** "ABCDEFG" → "ABC DEFG" (as the mail shows it); shorter values are grouped the same way. */
export function formatCode(code: string): string {
  return code.length > 3 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

const inAlphabet = (s: string) => [...s].every((ch) => CODE_ALPHABET.includes(ch));

/**
 * The code in pasted text: the whole clipboard when it is a code with or without spaces/dashes
 * ("abc defg", "ABC-DEFG"), else a code found inside a copied sentence ("Your code: ABC DEFG").
 */
export function codeFromPaste(text: string, length = CODE_LENGTH): string {
  const whole = text.toUpperCase().replace(/[\s\-‐‑–—·.]/g, '');
  if (whole.length === length && /^[A-Z0-9]+$/.test(whole)) return whole;
  // look for one word of `length` code characters, or two neighbouring words split by one space or dash;
  // English words can look like codes too, so the mail's "ABC DEFG" shape and digits count for more
  const words = [...text.toUpperCase().matchAll(/[A-Z0-9]+/g)];
  let best = { code: '', score: -1 };
  const consider = (code: string, score: number) => {
    if (code.length !== length || !inAlphabet(code)) return;
    const s = score + (/\d/.test(code) ? 2 : 0);
    if (s >= best.score) best = { code, score: s };
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    consider(w[0], 0);
    const next = words[i + 1];
    if (next && /^[ -]$/.test(text.slice(w.index + w[0].length, next.index))) consider(w[0] + next[0], w[0].length === 3 ? 1 : 0);
  }
  if (best.code) return best.code;
  // a part of a code (typed elsewhere and copied), never letters picked out of a long sentence
  return text.trim().length <= length * 2 ? normalizeCode(text, length) : '';
}

/** Caret position in the formatted value after `validBefore` code characters. */
export function caretAfter(formatted: string, validBefore: number): number {
  if (validBefore <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < formatted.length; i++) {
    if (/[A-Z0-9]/.test(formatted[i]!)) seen++;
    if (seen === validBefore) return i + 1;
  }
  return formatted.length;
}

/** "j•••@example.com" — for showing an address without spelling it out. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return email;
  return `${email[0]}•••${email.slice(at)}`;
}
