import { Anchor, Box, Button, Card, Group, List, Radio, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconDownload, IconFileSpreadsheet, IconListCheck } from '@tabler/icons-react';
import { downloads, type ImportMode } from '../../lib/api.ts';
import { modeText } from './import-parts.tsx';

const modes: ImportMode[] = ['upsert', 'create', 'update'];

/** Step 1: what a file needs, the template, and what the import should do with existing contacts. */
export function StartStep(props: { mode: ImportMode; onMode: (m: ImportMode) => void }) {
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card>
          <Group gap="sm" mb="sm" wrap="nowrap">
            <ThemeIcon variant="light" size={36} radius="md" aria-hidden>
              <IconFileSpreadsheet size={20} />
            </ThemeIcon>
            <Title order={2} fz="lg">
              Prepare your file
            </Title>
          </Group>
          <List size="sm" spacing={6} c="var(--mantine-color-text)">
            <List.Item>
              <b>CSV</b> with any delimiter (comma, semicolon, tab) in UTF-8, UTF-16 or Windows-1252, or an <b>Excel .xlsx</b> workbook (the
              first sheet).
            </List.Item>
            <List.Item>
              The first row holds the column names. Exports from Outlook, Google Contacts, Freshdesk or Zendesk work as they are.
            </List.Item>
            <List.Item>
              Contacts are matched by <b>id</b> when the file has one, else by <b>primary email</b>. Empty cells leave a contact&apos;s
              fields as they are.
            </List.Item>
            <List.Item>Several emails or phones go in one cell, separated by “;”.</List.Item>
          </List>
          <Group mt="md" gap="sm">
            <Button
              component="a"
              href={downloads.importTemplate}
              download="kdesk-contacts-template.csv"
              variant="light"
              leftSection={<IconDownload size={18} />}
            >
              Download the template
            </Button>
            <Text size="xs" c="dimmed" style={{ flex: '1 1 180px' }}>
              The same columns as an export, so an exported file imports back unchanged.
            </Text>
          </Group>
        </Card>

        <Card>
          <Group gap="sm" mb="sm" wrap="nowrap">
            <ThemeIcon variant="light" size={36} radius="md" aria-hidden>
              <IconListCheck size={20} />
            </ThemeIcon>
            <Title order={2} fz="lg" id="import-mode-title">
              What should the import do?
            </Title>
          </Group>
          <Radio.Group value={props.mode} onChange={(v) => props.onMode(v as ImportMode)} aria-labelledby="import-mode-title">
            <Stack gap="xs">
              {modes.map((m) => (
                <Radio.Card key={m} value={m} className="kd-choice">
                  <Group wrap="nowrap" align="flex-start" gap="sm">
                    <Radio.Indicator mt={2} />
                    <Box>
                      <Text fw={600} size="sm">
                        {modeText[m].title}
                        {m === 'upsert' && (
                          <Text span c="dimmed" fw={400} size="sm">
                            {' '}
                            · recommended
                          </Text>
                        )}
                      </Text>
                      <Text size="sm" c="dimmed">
                        {modeText[m].text}
                      </Text>
                    </Box>
                  </Group>
                </Radio.Card>
              ))}
            </Stack>
          </Radio.Group>
          <Text size="xs" c="dimmed" mt="sm">
            Nothing is written until you have seen a preview of every row.{' '}
            <Anchor href="/api/docs" target="_blank" rel="noreferrer" size="xs">
              Importing through the API
            </Anchor>
          </Text>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
