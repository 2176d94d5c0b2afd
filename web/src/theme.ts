import { createTheme } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
    Card: { defaultProps: { withBorder: true, padding: 'lg', radius: 'md' } },
    Switch: { defaultProps: { size: 'md' } },
    // sentence-case badges read better in tables than Mantine's default capitals
    Modal: { styles: { title: { fontWeight: 650, fontSize: 'var(--mantine-font-size-lg)' } } },
    Badge: { styles: { root: { textTransform: 'none', fontWeight: 600, letterSpacing: 0 } } },
  },
});
