import { createTheme, DEFAULT_THEME, type CSSVariablesResolver } from '@mantine/core';
import { darken, firstReadable } from './lib/contrast.ts';

export const theme = createTheme({
  primaryColor: 'indigo',
  // indigo-6 under white text is 4.3:1; shade 7 passes WCAG AA (4.5:1)
  primaryShade: { light: 7, dark: 8 },
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
    Card: { defaultProps: { withBorder: true, padding: 'lg', radius: 'md' } },
    Switch: { defaultProps: { size: 'md' } },
    // links are told apart from the text around them by more than their colour
    Anchor: { defaultProps: { underline: 'always' } },
    // Mantine leaves the close buttons of modals, alerts and toasts unnamed (a toast's grey text: styles.css)
    CloseButton: { defaultProps: { 'aria-label': 'Close' } },
    // the menu's focus placeholder (a focusable role=presentation div) is not a menu item: the menu keeps
    // its own focus handling (arrow keys reach the items); closing it gives the focus back to its button
    Menu: { defaultProps: { withInitialFocusPlaceholder: false, returnFocus: true } },
    // and give a toast's close button a 24 px target at least (WCAG 2.2 target size)
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss', size: 'md', style: { minWidth: 24, minHeight: 24 } } } },
    // sentence-case badges read better in tables than Mantine's default capitals
    Modal: { styles: { title: { fontWeight: 650, fontSize: 'var(--mantine-font-size-lg)' } } },
    Badge: { styles: { root: { textTransform: 'none', fontWeight: 600, letterSpacing: 0 } } },
  },
});

// The page backgrounds text sits on: white cards, the grey-0 page, hovered/selected rows (grey-1, indigo-0/1).
const gray = DEFAULT_THEME.colors.gray;
const white = DEFAULT_THEME.white;
const surfaces = [white, gray[0], gray[1], DEFAULT_THEME.colors.indigo[0], DEFAULT_THEME.colors.indigo[1]];

/**
 * Mantine's light scheme is below WCAG AA in several places: dimmed text (grey-6, 3.3:1 on white),
 * coloured text and error messages (shade 6, e.g. red 3.3:1), white on filled buttons of light hues
 * (green, teal, orange…) and the dark-on-light variant (shade 9 on shade 1, e.g. green 3.8:1). Each of
 * them becomes the first shade of its palette that reaches 4.5:1 on the surfaces it is drawn on.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = {
    '--mantine-color-dimmed': firstReadable(gray.slice(6), surfaces),
    '--mantine-color-anchor': firstReadable(t.colors[t.primaryColor]!.slice(7), surfaces),
  };
  for (const [name, shades] of Object.entries(t.colors)) {
    if (name === 'dark' || !Array.isArray(shades) || shades.length < 10) continue;
    const text = firstReadable(shades.slice(6), surfaces);
    const filled = firstReadable(shades.slice(name === t.primaryColor ? 7 : 6), [white]);
    const filledIndex = shades.indexOf(filled);
    light[`--mantine-color-${name}-text`] = text;
    light[`--mantine-color-${name}-filled`] = filled;
    light[`--mantine-color-${name}-filled-hover`] = filledIndex >= 0 && filledIndex < 9 ? shades[filledIndex + 1]! : darken(filled, 0.12);
    light[`--mantine-color-${name}-light-color`] = firstReadable(shades.slice(8), [shades[1]!, shades[2]!, white]);
    light[`--mantine-color-${name}-outline`] = text;
  }
  light['--mantine-color-error'] = light['--mantine-color-red-text']!;
  return { variables: {}, light, dark: {} };
};
