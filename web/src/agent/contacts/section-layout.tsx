import type { ReactNode } from 'react';
import { Box, Card, Group, NavLink, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useScrollSpy } from '@mantine/hooks';
import { IconAlertCircle } from '@tabler/icons-react';

export interface NavSection {
  id: string;
  label: string;
  icon: React.ComponentType<{ size?: number; stroke?: number }>;
}

/** Contact page body: the section list on the left (wide screens), the section cards on the right. */
export function SectionLayout(props: {
  sections: readonly NavSection[];
  errorSections?: ReadonlySet<string>;
  /** Distance from the top of the window at which a section counts as the current one. */
  spyOffset?: number;
  children: ReactNode;
}) {
  const spy = useScrollSpy({ selector: '[data-section-heading]', offset: props.spyOffset ?? 110 });
  const activeId = spy.initialized ? spy.data[spy.active]?.id : props.sections[0]?.id;

  return (
    <Group align="flex-start" wrap="nowrap" gap="xl">
      <Box w={220} visibleFrom="md" className="kd-sticky" style={{ flexShrink: 0 }}>
        <nav aria-label="Contact sections">
          <Stack gap={2}>
            {props.sections.map((s) => {
              const hasError = props.errorSections?.has(s.id);
              const headingId = `${s.id}-heading`;
              return (
                <NavLink
                  key={s.id}
                  href={`#${s.id}`}
                  label={s.label}
                  leftSection={<s.icon size={18} stroke={1.6} />}
                  rightSection={
                    hasError ? <IconAlertCircle size={16} color="var(--mantine-color-red-6)" aria-label="has errors" /> : undefined
                  }
                  active={activeId === headingId}
                  variant="light"
                  style={{ borderRadius: 'var(--mantine-radius-md)' }}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(s.id)?.scrollIntoView({ behavior: 'smooth', block: 'start' });
                    history.replaceState(null, '', `#${s.id}`);
                  }}
                />
              );
            })}
          </Stack>
        </nav>
      </Box>
      <Stack gap="lg" style={{ flex: 1, minWidth: 0 }}>
        {props.children}
      </Stack>
    </Group>
  );
}

/** One card of the contact page, with an h2 that the section list and screen readers use. */
export function SectionCard(props: { section: NavSection & { description?: string }; children: ReactNode; actions?: ReactNode }) {
  const { section } = props;
  const headingId = `${section.id}-heading`;
  return (
    <Card component="section" id={section.id} className="kd-section" aria-labelledby={headingId}>
      <Group justify="space-between" align="flex-start" mb="lg" wrap="nowrap">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon variant="light" size={36} radius="md" aria-hidden>
            <section.icon size={20} stroke={1.7} />
          </ThemeIcon>
          <div>
            <Title order={2} fz="lg" id={headingId} data-section-heading lh={1.3}>
              {section.label}
            </Title>
            {section.description && (
              <Text size="sm" c="dimmed">
                {section.description}
              </Text>
            )}
          </div>
        </Group>
        {props.actions}
      </Group>
      {props.children}
    </Card>
  );
}
