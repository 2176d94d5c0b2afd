import { Alert, Button, Group, Modal, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage, type Contact } from '../../lib/api.ts';
import { contactName } from '../../lib/format.ts';
import { keys } from '../../lib/queries.ts';

/** Asks before deleting one contact; `onDeleted` runs after the server confirmed. */
export function DeleteContactModal(props: { contact: Contact | null; onClose: () => void; onDeleted?: () => void }) {
  const qc = useQueryClient();
  const { contact } = props;
  const name = contact ? contactName(contact) : '';

  const remove = useMutation({
    mutationFn: (c: Contact) => api.deleteContact(c.id),
    onSuccess: (_void, c) => {
      qc.removeQueries({ queryKey: keys.contact(c.id) });
      qc.removeQueries({ queryKey: keys.history(c.id) });
      void qc.invalidateQueries({ queryKey: keys.contacts });
      notifications.show({ color: 'green', title: 'Contact deleted', message: `${contactName(c)} was removed from the directory.` });
      props.onDeleted?.();
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
        <b>{name}</b> will be permanently removed from your directory, together with their emails, phones and portal access. This cannot be
        undone.
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
