import { Anchor, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { usePortalForms } from './portal-forms-api.ts';

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Forms the support team asked the contact to fill in (waiting first), on the portal's home page. Hidden when there are none. */
export function PortalFormsCard(props: { slug: string }) {
  const list = usePortalForms(props.slug);
  const base = `/portal/${encodeURIComponent(props.slug)}`;
  if (list.isPending || (list.data && list.data.items.length === 0)) return null;
  const waiting = list.data?.items.filter((f) => f.status === 'open').length ?? 0;
  return (
    <Paper withBorder radius="lg" p={{ base: 'md', xs: 'lg' }} component="section" aria-labelledby="kp-forms-title">
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={2} fz="lg" id="kp-forms-title">
          Forms
        </Title>
        {waiting > 0 && (
          <Badge variant="filled" color="orange" radius="sm">
            {waiting} to fill in
          </Badge>
        )}
      </Group>
      {list.isError ? (
        <Text size="sm" c="red" role="alert">
          {list.error.message}
        </Text>
      ) : (
        <Stack gap={0} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {list.data.items.map((f, i) => (
            <li key={f.id} style={{ borderTop: i ? '1px solid var(--mantine-color-gray-2)' : undefined }}>
              <Group justify="space-between" wrap="nowrap" py="sm" gap="sm">
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Anchor component={Link} to={`${base}/forms/${f.id}`} fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {f.name}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {f.submittedAt
                      ? `Submitted ${dateFmt.format(new Date(f.submittedAt))}`
                      : f.draftSavedAt
                        ? `Draft saved ${dateFmt.format(new Date(f.draftSavedAt))}`
                        : `Sent ${dateFmt.format(new Date(f.assignedAt))}`}
                  </Text>
                </Stack>
                <Badge variant="light" color={f.status === 'submitted' ? 'teal' : 'orange'} radius="sm" style={{ flexShrink: 0 }}>
                  {f.status === 'submitted' ? 'Submitted' : f.draftSavedAt ? 'In progress' : 'To fill in'}
                </Badge>
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
