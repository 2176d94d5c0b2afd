import { describe, expect, it } from 'vitest';
import { DEFAULT_THEME, mergeMantineTheme } from '@mantine/core';
import { contrast } from './lib/contrast.ts';
import { cssVariablesResolver, theme } from './theme.ts';

const t = mergeMantineTheme(DEFAULT_THEME, theme);
const light = cssVariablesResolver(t).light as Record<string, string>;
const { gray, indigo } = t.colors;
const surfaces = { white: t.white, 'gray-0': gray[0], 'gray-1': gray[1], 'indigo-0': indigo[0], 'indigo-1': indigo[1] };
const palettes = Object.keys(t.colors).filter((c) => c !== 'dark');

describe('theme colours (WCAG AA, 4.5:1 for text)', () => {
  it.each(['--mantine-color-dimmed', '--mantine-color-anchor', '--mantine-color-error'])('%s is readable on every page surface', (v) => {
    for (const [name, bg] of Object.entries(surfaces)) expect(contrast(light[v]!, bg), `${v} on ${name}`).toBeGreaterThanOrEqual(4.5);
  });

  it.each(palettes)('%s: coloured text, white on a filled button and the light variant are readable', (c) => {
    for (const [name, bg] of Object.entries(surfaces)) {
      expect(contrast(light[`--mantine-color-${c}-text`]!, bg), `${c} text on ${name}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(light[`--mantine-color-${c}-filled`]!, t.white), `white on ${c} filled`).toBeGreaterThanOrEqual(4.5);
    expect(contrast(light[`--mantine-color-${c}-filled-hover`]!, t.white), `white on ${c} filled, hovered`).toBeGreaterThanOrEqual(4.5);
    for (const shade of [1, 2]) {
      const bg = t.colors[c]![shade]!;
      expect(contrast(light[`--mantine-color-${c}-light-color`]!, bg), `${c} light variant on shade ${shade}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('keeps the primary button indigo, one shade darker than Mantine’s default', () => {
    expect(light['--mantine-color-indigo-filled']).toBe(indigo[7]);
  });
});
