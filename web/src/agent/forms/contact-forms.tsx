import { useState } from 'react';
import { Anchor, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../../lib/api.ts';
import { formatRelative } from '../../lib/format.ts';
import { AssignFormModal } from './assign-form-modal.tsx';
import { formKeys, formsApi, useForm, type FormResponse } from './forms-api.ts';
import { ResponseValues, StatusBadge } from './response-values.tsx';

/** The forms assigned to a contact (waiting and submitted) on their contact page, with "Assign form". */
export function ContactForms(props: { contactId: string; contactName: string; canAssign: boolean }) {
  const [assigning, setAssigning] = useState(false);
  const [open, setOpen] = useState<FormResponse | null>(null);
  const list = useQuery({
    queryKey: formKeys.ofContact(props.contactId),
    queryFn: ({ signal }) => formsApi.ofContact(props.contactId, signal),
  });
  return (
    <Stack gap="xs">
      {list.isPending ? (
        <Text size="sm" c="dimmed">
          Loading forms…
        </Text>
      ) : list.isError ? (
        <Text size="sm" c="red">
          {errorMessage(list.error)}
        </Text>
      ) : list.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No form assigned yet.
        </Text>
      ) : (
        list.data.items.map((r) => (
          <Group key={r.id} gap="xs" wrap="wrap" justify="space-between">
            <Anchor component={Link} to={`/forms/${r.formId}`} size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
              {r.formName}
            </Anchor>
            <Group gap="xs" wrap="nowrap">
              <Text size="xs" c="dimmed" visibleFrom="xs">
                {formatRelative(r.submittedAt ?? r.assignedAt)}
              </Text>
              <StatusBadge r={r} style={{ flexShrink: 0 }} />
              {r.values && (
                <Button size="compact-sm" variant="subtle" onClick={() => setOpen(r)} aria-label={`Answers to ${r.formName}`}>
                  Answers
                </Button>
              )}
            </Group>
          </Group>
        ))
      )}
      {props.canAssign && (
        <Group justify="flex-end" mt={4}>
          <Button size="xs" variant="light" leftSection={<IconSend size={14} />} onClick={() => setAssigning(true)}>
            Assign form
          </Button>
        </Group>
      )}
      <AssignFormModal
        opened={assigning}
        onClose={() => setAssigning(false)}
        target={{ contactIds: [props.contactId] }}
        targetText={props.contactName}
      />
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.formName ?? ''} size="lg">
        {open && <Answers response={open} />}
      </Modal>
    </Stack>
  );
}

function Answers(props: { response: FormResponse }) {
  const form = useForm(props.response.formId);
  if (!form.data)
    return (
      <Text size="sm" c="dimmed">
        {form.isError ? errorMessage(form.error) : 'Loading…'}
      </Text>
    );
  return <ResponseValues fields={form.data.fields} response={props.response} />;
}
