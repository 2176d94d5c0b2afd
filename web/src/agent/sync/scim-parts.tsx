// SCIM provisioning in the connection editor: where the identity provider sends people (the tenant URL)
// and its secret token — shown once when the connection is created or the token is regenerated, stored
// hashed by KDesk, so a lost token is replaced, never shown again.
import { useState } from 'react';
import { Alert, Button, CopyButton, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { errorMessage } from '../../lib/api.ts';
import { syncApi } from './sync-api.ts';

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** The SCIM base URL identity providers call ("Tenant URL" in Microsoft Entra ID, "SCIM connector base URL" in Okta). */
export const scimBaseUrl = () => `${window.location.origin}/scim/v2`;

function CopyField(props: { label: string; value: string; description?: string }) {
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <TextInput
        label={props.label}
        description={props.description}
        value={props.value}
        readOnly
        styles={mono}
        style={{ flex: 1, minWidth: 0 }}
      />
      <CopyButton value={props.value}>
        {({ copied, copy }) => (
          <Button
            variant="light"
            onClick={copy}
            leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            aria-label={`Copy the ${props.label.toLowerCase()}`}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** The editor's section for a SCIM connection (instead of the directory's connection and scope). */
export function ScimSetup(props: { connectionId: string | null; onToken: (token: string) => void }) {
  const [confirm, setConfirm] = useState(false);
  const rotate = useMutation({
    mutationFn: () => syncApi.rotateScimToken(props.connectionId!),
    onSuccess: (r) => {
      setConfirm(false);
      props.onToken(r.scimToken);
    },
  });
  return (
    <Stack gap="sm">
      <Text size="sm">
        Your identity provider (Microsoft Entra ID, Okta, OneLogin…) creates, changes and deactivates contacts by calling KDesk. In its
        provisioning settings, enter:
      </Text>
      <CopyField label="Tenant URL" value={scimBaseUrl()} description="SCIM 2.0 base URL" />
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Secret token
        </Text>
        <Text size="sm" c="dimmed">
          {props.connectionId
            ? 'Shown once when it was made; KDesk keeps only a fingerprint of it. Lost it? Generate a new one: the old one stops working at once.'
            : 'Shown once, right after you create the connection. Copy it into your identity provider then.'}
        </Text>
        {props.connectionId && (
          <Group>
            <Button variant="light" color="orange" leftSection={<IconKey size={16} />} onClick={() => setConfirm(true)}>
              Generate a new token
            </Button>
          </Group>
        )}
      </Stack>
      <List size="sm" spacing={2} c="dimmed">
        <List.Item>People removed or disabled in the identity provider are deactivated in KDesk, never deleted.</List.Item>
        <List.Item>An email that belongs to another contact is a conflict (HTTP 409): nothing is merged or duplicated.</List.Item>
        <List.Item>Each burst of changes shows as one run under Activity, with what happened to each person.</List.Item>
      </List>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title="Generate a new SCIM token?" centered>
        <Stack gap="sm">
          <Text size="sm">The token your identity provider uses now stops working at once. Paste the new one into it right away.</Text>
          {rotate.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(rotate.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>
              Keep the current token
            </Button>
            <Button color="orange" loading={rotate.isPending} onClick={() => rotate.mutate()}>
              Generate new token
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

/** The token, once: copy it now. */
export function ScimTokenModal(props: { token: string | null; onClose: () => void }) {
  return (
    <Modal opened={props.token !== null} onClose={props.onClose} title="Copy your SCIM token now" centered size="lg">
      <Stack gap="md">
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
          This is the only time KDesk shows this token. Store it in your identity provider’s provisioning settings.
        </Alert>
        <CopyField label="Tenant URL" value={scimBaseUrl()} />
        <CopyField label="Secret token" value={props.token ?? ''} />
        <Group justify="flex-end">
          <Button onClick={props.onClose}>I have copied it</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
