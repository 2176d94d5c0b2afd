import { useState } from 'react';
import { Alert, Button, Group, Modal, Radio, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconMailCog } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage, type Contact } from '../../lib/api.ts';
import { keys } from '../../lib/queries.ts';
import { mergeApi } from './merge-api.ts';

const NEW = '__new__';

/**
 * "Change primary email" as one action: promote one of the labeled emails or add a new address, and keep the
 * old primary email as a labeled email or drop it. The contact's portal sessions end, like any primary email change.
 */
export function ChangePrimaryEmailButton(props: { contact: Contact; disabledReason?: string | null; onChanged: (c: Contact) => void }) {
  const { contact } = props;
  const [open, setOpen] = useState(false);
  const labeled = Object.entries(contact.emails);
  const [choice, setChoice] = useState<string>(labeled[0]?.[1] ?? NEW);
  const [typed, setTyped] = useState('');
  const [keepOld, setKeepOld] = useState('keep');
  const [label, setLabel] = useState('other');
  const qc = useQueryClient();
  const email = choice === NEW ? typed.trim() : choice;
  const change = useMutation({
    mutationFn: () =>
      mergeApi.changePrimaryEmail(contact.id, { email, keepOld: keepOld === 'keep', label: label.trim() || undefined }, contact.version),
    onSuccess: (c) => {
      qc.setQueryData(keys.contact(c.id), c);
      void qc.invalidateQueries({ queryKey: keys.history(c.id) });
      void qc.invalidateQueries({ queryKey: ['contacts', 'list'] });
      notifications.show({ color: 'green', title: 'Primary email changed', message: `${c.primaryEmail} is now the primary email.` });
      setOpen(false);
      props.onChanged(c);
    },
  });
  const fieldError =
    change.error instanceof ApiError && change.error.code === 'VALIDATION'
      ? change.error.details.find((d) => d.path === 'email')?.message
      : undefined;

  const button = (
    <Button
      variant="default"
      size="sm"
      leftSection={<IconMailCog size={16} />}
      disabled={Boolean(props.disabledReason)}
      onClick={() => {
        change.reset();
        setOpen(true);
      }}
    >
      Change primary email…
    </Button>
  );
  return (
    <>
      {props.disabledReason ? (
        <Tooltip label={props.disabledReason}>
          <span style={{ alignSelf: 'flex-start' }}>{button}</span>
        </Tooltip>
      ) : (
        button
      )}
      <Modal opened={open} onClose={() => setOpen(false)} title={<Text fw={600}>Change primary email</Text>} size="md">
        <Stack gap="md">
          <Text size="sm">
            The primary email is the address {contact.primaryEmail ? `(now ${contact.primaryEmail})` : ''} the contact signs in to the
            portal with. Changing it signs the contact out of the portal.
          </Text>
          <Radio.Group
            label="New primary email"
            value={choice}
            onChange={(v) => {
              change.reset();
              setChoice(v);
            }}
          >
            <Stack gap={6} mt={6}>
              {labeled.map(([l, v]) => (
                <Radio key={l} value={v} label={`${v} (${l})`} styles={{ radio: { width: 24, height: 24 } }} />
              ))}
              <Radio value={NEW} label="Another address" styles={{ radio: { width: 24, height: 24 } }} />
            </Stack>
          </Radio.Group>
          {choice === NEW && (
            <TextInput
              label="New address"
              type="email"
              placeholder="jane.doe@acme.com"
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              error={fieldError}
              data-autofocus
            />
          )}
          {contact.primaryEmail && (
            <Radio.Group label={`And ${contact.primaryEmail}`} value={keepOld} onChange={setKeepOld}>
              <Stack gap={6} mt={6}>
                <Radio value="keep" label="Keep it as another email" styles={{ radio: { width: 24, height: 24 } }} />
                <Radio value="drop" label="Remove it from the contact" styles={{ radio: { width: 24, height: 24 } }} />
              </Stack>
            </Radio.Group>
          )}
          {contact.primaryEmail && keepOld === 'keep' && (
            <TextInput label="Label for the old address" value={label} maxLength={40} onChange={(e) => setLabel(e.currentTarget.value)} />
          )}
          {change.error && !fieldError && (
            <Alert color="red" icon={<IconAlertCircle size={18} />} title="Not changed">
              {errorMessage(change.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button loading={change.isPending} disabled={!email} onClick={() => change.mutate()}>
              Change primary email
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
