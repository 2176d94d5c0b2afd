import { Group, Text, ThemeIcon } from '@mantine/core';

/** The KDesk mark and word; the word is its text for screen readers (the mark is decoration). */
export function Logo(props: { size?: 'sm' | 'lg' }) {
  const lg = props.size === 'lg';
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={lg ? 40 : 30} radius="md" variant="filled" aria-hidden>
        <Text fw={800} fz={lg ? 22 : 17} lh={1} c="white">
          K
        </Text>
      </ThemeIcon>
      <Text fw={750} fz={lg ? 24 : 18} lh={1}>
        KDesk
      </Text>
    </Group>
  );
}
