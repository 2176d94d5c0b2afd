// Agent-side portal actions: "Copy team portal URL" (Contacts header), and for one contact "Copy portal
// link" and "Send portal invitation" (contact page and row menus). Kept in one place so the Contacts
// pages only mount them.
import { useCallback, useState, type ReactNode } from 'react';
import { Alert, Anchor, Button, CopyButton, Group, Menu, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconCheck, IconCopy, IconLink, IconSend } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, errorMessage, isApiError, type Contact } from '../../lib/api.ts';
import { contactName } from '../../lib/format.ts';
import { usePermissions, useTeamSettings } from '../../lib/queries.ts';

/** Copies text; false when the browser refuses (no permission, not a secure page). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a contact cannot sign in to the portal, or null when it can (the server checks again, and says
 * why when it refuses). `portalEnabled`: the team's switch, when the person may read the settings.
 */
export function portalBlocker(c: Contact, portalEnabled?: boolean): string | null {
  if (portalEnabled === false) return 'The team portal is switched off';
  if (!c.primaryEmail) return 'Needs a primary email';
  if (!c.permissions.active) return 'The contact is inactive';
  if (!c.permissions.portalAccess) return 'Needs portal access';
  return null;
}

/** A link shown for manual copying when the clipboard is not available, or for a second look. */
function LinkField(props: { url: string; label: string }) {
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <TextInput
        label={props.label}
        value={props.url}
        readOnly
        onFocus={(e) => e.currentTarget.select()}
        style={{ flex: 1 }}
        styles={{ input: { fontFamily: 'ui-monospace, Menlo, Consolas, monospace', fontSize: 13 } }}
      />
      <CopyButton value={props.url}>
        {({ copied, copy }) => (
          <Button
            variant={copied ? 'light' : 'default'}
            color={copied ? 'teal' : undefined}
            onClick={copy}
            leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** Contacts page header: "Get Contact Portal" copies the team's portal address (/portal/<teamSlug>). */
export function CopyTeamPortalUrlButton() {
  const [manual, setManual] = useState<string | null>(null);
  const link = useMutation({
    mutationFn: () => api.teamPortalLink(),
    onSuccess: async ({ url }) => {
      if (await copyText(url))
        notifications.show({ color: 'teal', icon: <IconCheck size={18} />, title: 'Contact portal link copied', message: url });
      else setManual(url);
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Could not get the portal URL', message: errorMessage(e) }),
  });
  return (
    <>
      <Button variant="default" leftSection={<IconLink size={18} />} onClick={() => link.mutate()} loading={link.isPending}>
        Get Contact Portal
      </Button>
      <Modal opened={manual !== null} onClose={() => setManual(null)} title="Contact portal link">
        <Stack>
          <Text size="sm">Contacts sign in here with their primary email. Share it on your website or in your email signature.</Text>
          {manual && <LinkField url={manual} label="Portal address" />}
        </Stack>
      </Modal>
    </>
  );
}

type Dialog = { kind: 'link' | 'invite'; contact: Contact } | null;
const noItems = () => null;

/**
 * Menu items "Copy portal link" and, for a contact who has not signed in yet (unverified), "Send portal
 * invitation", plus their dialogs. A contact who may not sign in gets the items disabled with the reason.
 * `items(contact)` goes inside a Menu.Dropdown (it keeps its identity while the team's switch does, so
 * memoised rows stay memoised); `dialogs` once on the page (menus unmount on close).
 */
export function useContactPortalActions(): { items: (c: Contact) => ReactNode; dialogs: ReactNode } {
  const perms = usePermissions();
  const [dialog, setDialog] = useState<Dialog>(null);
  // owners and admins read the team's switch; for agents the server says it when it refuses
  const portalEnabled = useTeamSettings(perms.manageTeam && perms.modifyContacts).data?.portalEnabled;

  const items = useCallback(
    (c: Contact) => {
      const blocker = portalBlocker(c, portalEnabled);
      const hint = blocker ? (
        <Text size="xs" c="dimmed">
          {blocker}
        </Text>
      ) : null;
      return (
        <>
          <Menu.Item
            leftSection={<IconLink size={16} />}
            disabled={Boolean(blocker)}
            onClick={() => setDialog({ kind: 'link', contact: c })}
          >
            Copy portal link
            {hint}
          </Menu.Item>
          {c.portalVerifiedAt === null && (
            <Menu.Item
              leftSection={<IconSend size={16} />}
              disabled={Boolean(blocker)}
              onClick={() => setDialog({ kind: 'invite', contact: c })}
            >
              Send portal invitation
              {hint}
            </Menu.Item>
          )}
        </>
      );
    },
    [portalEnabled],
  );
  if (!perms.modifyContacts) return { items: noItems, dialogs: null };

  const close = () => setDialog(null);
  const dialogs = (
    <>
      <PortalLinkModal contact={dialog?.kind === 'link' ? dialog.contact : null} onClose={close} />
      <InviteModal contact={dialog?.kind === 'invite' ? dialog.contact : null} onClose={close} canOpenMailbox={perms.manageTeam} />
    </>
  );
  return { items, dialogs };
}

function PortalLinkModal(props: { contact: Contact | null; onClose: () => void }) {
  const c = props.contact;
  const [result, setResult] = useState<{ url: string; copied: boolean } | null>(null);
  const create = useMutation({
    mutationFn: (id: string) => api.contactPortalLink(id),
    onSuccess: async ({ url }) => setResult({ url, copied: await copyText(url) }),
  });
  const close = () => {
    props.onClose();
    setResult(null);
    create.reset();
  };
  const name = c ? contactName(c) : '';
  return (
    <Modal opened={c !== null} onClose={close} title="Copy portal link" size="lg">
      {c && (
        <Stack>
          {result ? (
            <>
              <Alert
                variant="light"
                color="teal"
                icon={<IconCheck size={18} />}
                title={result.copied ? 'Link copied to the clipboard' : 'Link created'}
              >
                Send it to {name} yourself. Opening it skips the email step: a one-time code still goes to {c.primaryEmail}.
              </Alert>
              <LinkField url={result.url} label={`Personal portal link for ${name}`} />
              <Group justify="flex-end">
                <Button onClick={close}>Done</Button>
              </Group>
            </>
          ) : (
            <>
              <Text size="sm">
                A personal link signs <b>{name}</b> in without typing an email address; the one-time code still goes to{' '}
                <b>{c.primaryEmail}</b>.
              </Text>
              <Text size="sm" c="dimmed">
                Creating a new link switches off the previous one, including the link in earlier invitations.
              </Text>
              {create.isError && (
                <Alert variant="light" color="red" icon={<IconAlertCircle size={18} />} title="No link created" role="alert">
                  {isApiError(create.error, 'CONFLICT')
                    ? (create.error.details[0]?.message ?? create.error.message)
                    : errorMessage(create.error)}
                </Alert>
              )}
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <Button leftSection={<IconCopy size={16} />} onClick={() => create.mutate(c.id)} loading={create.isPending}>
                  Create and copy link
                </Button>
              </Group>
            </>
          )}
        </Stack>
      )}
    </Modal>
  );
}

function InviteModal(props: { contact: Contact | null; onClose: () => void; canOpenMailbox: boolean }) {
  const c = props.contact;
  const navigate = useNavigate();
  const invite = useMutation({
    mutationFn: (id: string) => api.inviteContact(id),
    onSuccess: (res) => {
      if (!c) return;
      if (res.invited < 1) {
        notifications.show({
          color: 'orange',
          title: 'No invitation sent',
          message: res.skipped[0]?.reason ?? 'The contact cannot use the portal.',
        });
        return;
      }
      notifications.show({
        color: 'teal',
        icon: <IconCheck size={18} />,
        title: 'Invitation sent',
        message: (
          <>
            {contactName(c)} gets an email at {c.primaryEmail}.
            {props.canOpenMailbox && (
              <>
                {' '}
                {/* toasts render outside the router: a plain link that navigates in-app */}
                <Anchor
                  href="/mailbox"
                  size="sm"
                  onClick={(e) => {
                    e.preventDefault();
                    navigate('/mailbox');
                  }}
                >
                  Open the Mailbox
                </Anchor>
              </>
            )}
          </>
        ),
      });
      close();
    },
  });
  const close = () => {
    props.onClose();
    invite.reset();
  };
  const name = c ? contactName(c) : '';
  return (
    <Modal opened={c !== null} onClose={close} title="Send portal invitation?">
      {c && (
        <Stack>
          <Text size="sm">
            <b>{name}</b> gets an email at <b>{c.primaryEmail}</b> with a personal link to your support portal.
          </Text>
          <Text size="sm" c="dimmed">
            The invitation carries a new link: links sent earlier stop working.
          </Text>
          {invite.isError && (
            <Alert variant="light" color="red" icon={<IconAlertCircle size={18} />} title="No invitation sent" role="alert">
              {isApiError(invite.error, 'CONFLICT')
                ? (invite.error.details[0]?.message ?? invite.error.message)
                : errorMessage(invite.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button leftSection={<IconSend size={16} />} onClick={() => invite.mutate(c.id)} loading={invite.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
