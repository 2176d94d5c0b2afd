import { Badge, Button, Card, EmptyState, Group, SimpleGrid, Stack, Text, ThemeIcon, Title, Tooltip } from '@mantine/core';
import { IconBrandGoogle, IconBrandWindows, IconPlus, IconRefresh, IconSitemap } from '@tabler/icons-react';
import { PageHeader } from '../../components/page-header.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';

const sources = [
  {
    name: 'Google Workspace',
    icon: IconBrandGoogle,
    color: 'red',
    text: 'Users from your Google Workspace directory, matched by their stable Google ID.',
  },
  {
    name: 'Microsoft Entra ID',
    icon: IconBrandWindows,
    color: 'blue',
    text: 'Users from Microsoft Entra ID (Azure AD) through Microsoft Graph, with incremental updates.',
  },
  {
    name: 'LDAP / Active Directory',
    icon: IconSitemap,
    color: 'teal',
    text: 'Entries from any LDAP server or Active Directory, filtered by groups or a search filter.',
  },
];

/** Contact Sync is configured in a later release; this page says so plainly. */
export default function ContactSyncPage() {
  usePageTitle('Contact Sync');
  return (
    <>
      <PageHeader
        title="Contact Sync"
        description="Keep your contacts in step with the directories your customers already maintain. Sync is one-way: it never writes back to the source."
        actions={
          <Tooltip label="Coming in a later release">
            {/* the wrapper keeps the tooltip working on a disabled button */}
            <span tabIndex={0} aria-label="New connection (coming in a later release)">
              <Button leftSection={<IconPlus size={18} />} disabled style={{ pointerEvents: 'none' }}>
                New connection
              </Button>
            </span>
          </Tooltip>
        }
      />

      <Card mb="lg">
        <EmptyState
          py={40}
          variant="light"
          icon={<IconRefresh size={30} />}
          title="No connections yet"
          description="Contact Sync connects Google Workspace, Microsoft Entra ID and LDAP, creates and updates contacts from them, and deactivates people who left. Setting up connections arrives in a later release of KDesk."
        />
      </Card>

      <Title order={2} fz="lg" mb="sm">
        Supported directories
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg">
        {sources.map((s) => (
          <Card key={s.name}>
            <Stack gap="sm">
              <Group justify="space-between" wrap="nowrap">
                <ThemeIcon variant="light" color={s.color} size={40} radius="md" aria-hidden>
                  <s.icon size={22} />
                </ThemeIcon>
                <Badge variant="light" color="gray" radius="sm">
                  Coming soon
                </Badge>
              </Group>
              <Text fw={600}>{s.name}</Text>
              <Text size="sm" c="dimmed">
                {s.text}
              </Text>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </>
  );
}
