// WCAG 2 contrast arithmetic for the theme: which shade of a palette is dark enough for text.

const channels = (hex: string): [number, number, number] => {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
};

const toHex = (rgb: number[]) => `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** Relative luminance of an sRGB colour (#rgb or #rrggbb). */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `hex` mixed towards black by `amount` (0..1). */
export function darken(hex: string, amount: number): string {
  return toHex(channels(hex).map((v) => v * (1 - amount)));
}

/**
 * The first of `shades` (lightest first) that reaches `ratio` against every one of `backgrounds`;
 * when none does, the last shade darkened step by step until it does.
 */
export function firstReadable(shades: readonly string[], backgrounds: readonly string[], ratio = 4.5): string {
  const ok = (c: string) => backgrounds.every((bg) => contrast(c, bg) >= ratio);
  const found = shades.find(ok);
  if (found) return found;
  let c = shades[shades.length - 1]!;
  for (let i = 1; i <= 20 && !ok(c); i++) c = darken(shades[shades.length - 1]!, i * 0.05);
  return c;
}
