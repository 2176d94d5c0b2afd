import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Flex, Select, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconDeviceFloppy, IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useBlocker } from 'react-router';
import { api, ApiError, errorMessage, type TeamSettings, type TeamSettingsPatch } from '../../lib/api.ts';
import { keys, useCurrentMember, useTeamSettings } from '../../lib/queries.ts';
import { regionOptions } from '../../lib/regions.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { SwitchRow } from '../../components/switch-row.tsx';
import { ActionBar } from '../../components/action-bar.tsx';
import { UnsavedChangesModal } from '../../components/unsaved-changes-modal.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';

type Flags =
  'portalEnabled' | 'allowBulkContactImport' | 'allowPortalComments' | 'allowContactsCloseTickets' | 'requireSyncedContactForSso';

/** Only the keys that differ, nested objects key by key (PATCH merges them). */
function diffSettings(next: TeamSettings, base: TeamSettings): TeamSettingsPatch {
  const patch: TeamSettingsPatch = {};
  for (const k of Object.keys(next) as (keyof TeamSettings)[]) {
    const a = next[k];
    const b = base[k];
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const sub: Record<string, unknown> = {};
      for (const [sk, sv] of Object.entries(a)) if ((b as Record<string, unknown>)[sk] !== sv) sub[sk] = sv;
      if (Object.keys(sub).length) (patch as Record<string, unknown>)[k] = sub;
    } else if (a !== b) {
      (patch as Record<string, unknown>)[k] = a;
    }
  }
  return patch;
}

export default function TeamSettingsPage() {
  usePageTitle('Team Settings');
  const settings = useTeamSettings();
  if (settings.isPending) return <PageLoader />;
  if (settings.isError)
    return <ErrorState title="Could not load Team Settings" error={settings.error} onRetry={() => void settings.refetch()} />;
  return <SettingsForm initial={settings.data} />;
}

function SettingsForm(props: { initial: TeamSettings }) {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const [base, setBase] = useState(props.initial);
  const [values, setValues] = useState(props.initial);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const regions = useMemo(regionOptions, []);
  const patch = diffSettings(values, base);
  const dirty = Object.keys(patch).length > 0;

  const save = useMutation({
    mutationFn: () => api.updateSettings(patch),
    onSuccess: (saved) => {
      qc.setQueryData(keys.settings, saved);
      setBase(saved);
      setValues(saved);
      setFieldErrors({});
      notifications.show({ color: 'green', title: 'Settings saved', message: 'The new communication rules apply right away.' });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.details.length) setFieldErrors(Object.fromEntries(e.details.map((d) => [d.path, d.message])));
    },
  });

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && !save.isPending && currentLocation.pathname !== nextLocation.pathname,
  );

  const flag = (k: Flags) => ({ id: `settings-${k}`, checked: values[k], onChange: (v: boolean) => setValues((s) => ({ ...s, [k]: v })) });
  const sso = (k: keyof TeamSettings['contactSso']) => ({
    id: `settings-sso-${k}`,
    checked: values.contactSso[k],
    onChange: (v: boolean) => setValues((s) => ({ ...s, contactSso: { ...s.contactSso, [k]: v } })),
  });
  const notif = (k: keyof TeamSettings['notifications']) => ({
    id: `settings-notifications-${k}`,
    checked: values.notifications[k],
    onChange: (v: boolean) => setValues((s) => ({ ...s, notifications: { ...s.notifications, [k]: v } })),
  });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty) save.mutate();
      }}
      aria-label="Team Settings"
    >
      <ActionBar>
        <PageHeader
          mb="md"
          title="Team Settings"
          description={`Communication rules for ${me.team.name}. A capability works only when the team setting and the contact's own permission both allow it.`}
          actions={
            <>
              <Button variant="default" disabled={!dirty || save.isPending} onClick={() => setValues(base)}>
                Discard changes
              </Button>
              <Button type="submit" leftSection={<IconDeviceFloppy size={18} />} disabled={!dirty} loading={save.isPending}>
                Save changes
              </Button>
            </>
          }
        />
      </ActionBar>

      {save.isError && (
        <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="Settings were not saved" mb="lg" role="alert">
          {errorMessage(save.error)}
        </Alert>
      )}

      <Title order={2} fz="lg" mb={4}>
        Communication
      </Title>
      <Text c="dimmed" size="sm" mb="md">
        How contacts reach your team through the contact portal, and which emails KDesk sends them.
      </Text>

      <Stack gap="lg">
        <SettingsCard title="Contact portal" description="Contacts sign in with a one-time code sent to their primary email.">
          <SwitchRow
            first
            label="Enable the contact portal"
            description="Lets contacts with Portal access sign in and follow their tickets."
            {...flag('portalEnabled')}
          />
          <ControlRow
            htmlFor="settings-portalTicketCreation"
            label="Who can create tickets in the portal"
            description="Anyone means people without a contact record can submit requests too."
          >
            <Select
              id="settings-portalTicketCreation"
              w={{ base: '100%', sm: 260 }}
              style={{ flexShrink: 0 }}
              allowDeselect={false}
              data={[
                { value: 'loggedIn', label: 'Signed-in contacts only' },
                { value: 'anyone', label: 'Anyone with the portal link' },
              ]}
              value={values.portalTicketCreation}
              onChange={(v) => v && setValues((s) => ({ ...s, portalTicketCreation: v as TeamSettings['portalTicketCreation'] }))}
            />
          </ControlRow>
          <SwitchRow
            label="Allow portal comments"
            description="Contacts with Can post comments may comment on their tickets."
            {...flag('allowPortalComments')}
          />
          <SwitchRow
            label="Allow contacts to close tickets"
            description="Contacts with Can close tickets may close their own tickets."
            {...flag('allowContactsCloseTickets')}
          />
          {!values.portalEnabled && (
            <Alert variant="light" color="gray" icon={<IconInfoCircle size={18} />} mt="sm">
              The portal is off, so no contact can sign in. The settings above take effect when you turn it on.
            </Alert>
          )}
        </SettingsCard>

        <SettingsCard
          title="Single sign-on for contacts"
          description="Offer Google or Microsoft sign-in on the portal, next to the one-time code."
        >
          <SwitchRow first label="Google" description="Contacts may sign in with their Google account." {...sso('google')} />
          <SwitchRow
            label="Microsoft"
            description="Contacts may sign in with their Microsoft work or school account."
            {...sso('microsoft')}
          />
          <SwitchRow
            label="Require a synced contact for SSO"
            description="Only allow SSO when the identity matches the contact's synced directory identity, never by email alone."
            {...flag('requireSyncedContactForSso')}
          />
        </SettingsCard>

        <SettingsCard
          title="Email notifications to contacts"
          description="Team-wide rules. A message is sent only when the team rule and the contact's own preference allow it."
        >
          <SwitchRow first label="Email new tickets" description="When a ticket is created for a contact." {...notif('newTickets')} />
          <SwitchRow
            label="Email ticket updates"
            description="When a ticket's status, assignment or content changes."
            {...notif('ticketUpdates')}
          />
          <SwitchRow label="Email new comments" description="When someone comments on a contact's ticket." {...notif('newComments')} />
          <SwitchRow label="Email form assignments" description="When a form is assigned to a contact." {...notif('formAssignments')} />
        </SettingsCard>

        <SettingsCard title="Contact data" description="Importing contacts and reading their phone numbers.">
          <SwitchRow
            first
            label="Allow bulk contact import"
            description="Members with the Import contacts permission may upload CSV and XLSX files."
            {...flag('allowBulkContactImport')}
          />
          <ControlRow
            htmlFor="settings-defaultPhoneRegion"
            label="Default phone region"
            description="Used to read phone numbers typed without a country code, for search and duplicate detection."
          >
            <Select
              id="settings-defaultPhoneRegion"
              w={{ base: '100%', sm: 260 }}
              style={{ flexShrink: 0 }}
              searchable
              allowDeselect={false}
              nothingFoundMessage="No matching region"
              data={regions}
              value={values.defaultPhoneRegion}
              onChange={(v) => v && setValues((s) => ({ ...s, defaultPhoneRegion: v }))}
              error={fieldErrors.defaultPhoneRegion}
              maxDropdownHeight={280}
            />
          </ControlRow>
        </SettingsCard>
      </Stack>

      <UnsavedChangesModal
        blocker={blocker}
        message="You changed Team Settings but did not save. If you leave now, your changes are lost."
      />
    </form>
  );
}

/** A labelled setting whose control (a select…) sits on the right, below the previous row's border. */
function ControlRow(props: { htmlFor: string; label: string; description: string; children: ReactNode }) {
  return (
    <Flex
      direction={{ base: 'column', sm: 'row' }}
      justify="space-between"
      align={{ base: 'stretch', sm: 'center' }}
      gap={{ base: 'xs', sm: 'xl' }}
      py="sm"
      style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
    >
      <div>
        <Text component="label" htmlFor={props.htmlFor} size="sm" fw={500}>
          {props.label}
        </Text>
        <Text size="xs" c="dimmed" mt={2}>
          {props.description}
        </Text>
      </div>
      {props.children}
    </Flex>
  );
}

function SettingsCard(props: { title: string; description: string; children: ReactNode }) {
  const id = `card-${props.title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <Card component="section" aria-labelledby={id}>
      <Title order={3} fz="md" id={id}>
        {props.title}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {props.description}
      </Text>
      {props.children}
    </Card>
  );
}
