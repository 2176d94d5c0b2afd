import { Alert, Anchor, Button, Group, Modal, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, errorMessage, type Contact } from '../../lib/api.ts';
import { contactName } from '../../lib/format.ts';
import { keys } from '../../lib/queries.ts';

/** Puts a contact from the trash back; used by the Undo link of the "Moved to the Trash" notification. */
async function undoDelete(qc: QueryClient, c: Contact) {
  try {
    await api.restoreContact(c.id);
    void qc.invalidateQueries({ queryKey: keys.contacts });
    notifications.show({ color: 'green', title: 'Restored', message: `${contactName(c)} is back in the directory.` });
  } catch (e) {
    notifications.show({ color: 'red', title: `Could not restore ${contactName(c)}`, message: errorMessage(e) });
  }
}

/** Asks before moving one contact to the trash; `onDeleted` runs after the server confirmed. */
export function DeleteContactModal(props: { contact: Contact | null; onClose: () => void; onDeleted?: (c: Contact) => void }) {
  const qc = useQueryClient();
  const { contact } = props;
  const name = contact ? contactName(contact) : '';

  const remove = useMutation({
    mutationFn: (c: Contact) => api.deleteContact(c.id),
    onSuccess: (_void, c) => {
      qc.removeQueries({ queryKey: keys.contact(c.id) });
      qc.removeQueries({ queryKey: keys.history(c.id) });
      void qc.invalidateQueries({ queryKey: keys.contacts });
      const id = `deleted-${c.id}`;
      notifications.show({
        id,
        color: 'green',
        title: 'Contact deleted',
        message: (
          <Group gap={8} wrap="nowrap" justify="space-between">
            <Text size="sm">{contactName(c)} is in the Trash for 30 days.</Text>
            <Anchor
              component="button"
              size="sm"
              fw={600}
              onClick={() => {
                notifications.hide(id);
                void undoDelete(qc, c);
              }}
            >
              Undo
            </Anchor>
          </Group>
        ),
        autoClose: 8000,
      });
      props.onDeleted?.(c);
      props.onClose();
      remove.reset();
    },
  });

  const close = () => {
    if (remove.isPending) return;
    remove.reset();
    props.onClose();
  };

  return (
    <Modal opened={contact !== null} onClose={close} title="Delete contact?" centered radius="md">
      <Text size="sm">
        <b>{name}</b> moves to the <b>Trash</b>. You can restore the contact from the Trash for <b>30 days</b>; after that it is erased for
        good, with its emails, phones and portal access.
      </Text>
      {remove.isError && (
        <Alert color="red" variant="light" mt="md" icon={<IconAlertCircle size={18} />} role="alert">
          {errorMessage(remove.error)}
        </Alert>
      )}
      <Group justify="flex-end" mt="xl">
        <Button variant="default" onClick={close} disabled={remove.isPending}>
          Cancel
        </Button>
        <Button color="red" onClick={() => contact && remove.mutate(contact)} loading={remove.isPending}>
          Delete contact
        </Button>
      </Group>
    </Modal>
  );
}
