import { useMemo, useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconExternalLink } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../../lib/api.ts';
import { keys, useCurrentMember, useTeamSettings } from '../../lib/queries.ts';
import { regionOptions } from '../../lib/regions.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { adminApi, adminKeys, type SsoConfigs, type Team } from './admin-api.ts';

const detailsOf = (e: unknown): Record<string, string> =>
  e instanceof ApiError ? Object.fromEntries(e.details.map((d) => [d.path, d.message])) : {};

export default function TeamGeneralPage() {
  usePageTitle('Team General');
  const team = useQuery({ queryKey: adminKeys.team, queryFn: adminApi.team, staleTime: 0 });
  if (team.isPending) return <PageLoader />;
  if (team.isError) return <ErrorState title="Could not load the team" error={team.error} onRetry={() => void team.refetch()} />;
  return (
    <>
      <PageHeader
        title="Team General"
        description="Your team's name, portal address and what every email says, and contact sign-in with Google or Microsoft."
      />
      <Stack gap="lg" maw={900}>
        <GeneralCard team={team.data} />
        <SsoCards slug={team.data.slug} />
      </Stack>
    </>
  );
}

function GeneralCard(props: { team: Team }) {
  const me = useCurrentMember();
  const qc = useQueryClient();
  const isOwner = me.member.role === 'owner';
  const regions = useMemo(regionOptions, []);
  const [v, setV] = useState({
    name: props.team.name,
    slug: props.team.slug,
    supportEmail: props.team.supportEmail ?? '',
    defaultPhoneRegion: props.team.defaultPhoneRegion,
  });
  const save = useMutation({
    mutationFn: () =>
      adminApi.updateTeam({
        ...(v.name !== props.team.name ? { name: v.name } : {}),
        ...(v.slug !== props.team.slug ? { slug: v.slug } : {}),
        ...(v.supportEmail !== (props.team.supportEmail ?? '') ? { supportEmail: v.supportEmail.trim() || null } : {}),
        ...(v.defaultPhoneRegion !== props.team.defaultPhoneRegion ? { defaultPhoneRegion: v.defaultPhoneRegion } : {}),
      }),
    onSuccess: (t) => {
      qc.setQueryData(adminKeys.team, t);
      void qc.invalidateQueries({ queryKey: keys.me });
      void qc.invalidateQueries({ queryKey: keys.settings });
      // the redirect URIs carry the portal address
      void qc.invalidateQueries({ queryKey: adminKeys.sso });
      notifications.show({ color: 'green', message: 'Team saved' });
    },
  });
  const errors = detailsOf(save.error);
  const set = (k: keyof typeof v) => (e: { currentTarget: { value: string } }) => setV({ ...v, [k]: e.currentTarget.value });
  const portalPath = `/portal/${v.slug}`;
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="general-title">
      <Title order={2} size="h4" id="general-title" mb="md">
        Team identity
      </Title>
      {!isOwner && (
        <Alert color="blue" variant="light" mb="md">
          Only owners can change these.
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <TextInput
            label="Team name"
            description="Shown in the portal, its app and every email"
            required
            disabled={!isOwner}
            value={v.name}
            onChange={set('name')}
            error={errors.name}
          />
          <TextInput
            label="Portal address"
            description={`${location.origin}${portalPath}`}
            leftSection={
              <Text size="xs" c="dimmed">
                /portal/
              </Text>
            }
            leftSectionWidth={64}
            disabled={!isOwner}
            value={v.slug}
            onChange={(e) => setV({ ...v, slug: e.currentTarget.value.toLowerCase() })}
            error={errors.slug}
          />
          <TextInput
            label="Support email"
            description="Emails say: Questions? Write to this address"
            type="email"
            disabled={!isOwner}
            value={v.supportEmail}
            onChange={set('supportEmail')}
            error={errors.supportEmail}
          />
          <Select
            label="Default phone region"
            description="For numbers typed without a country code"
            searchable
            disabled={!isOwner}
            data={regions}
            value={v.defaultPhoneRegion}
            allowDeselect={false}
            onChange={(r) => r && setV({ ...v, defaultPhoneRegion: r })}
            error={errors.defaultPhoneRegion}
          />
        </SimpleGrid>
        {props.team.previousSlugs.length > 0 && (
          <Text size="xs" c="dimmed" mt="sm">
            Old addresses that still lead here: {props.team.previousSlugs.map((s) => `/portal/${s}`).join(', ')}
          </Text>
        )}
        {save.error && !Object.keys(errors).length && (
          <Alert color="red" variant="light" mt="md">
            {errorMessage(save.error)}
          </Alert>
        )}
        {isOwner && (
          <Group mt="md">
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        )}
      </form>
    </Card>
  );
}

/** The message for a list field: the first bad entry, named, from details at `<field>.<index>` (or the field). */
function listError(errors: Record<string, string>, field: string, values: string[]): string | undefined {
  const hit = Object.entries(errors).find(([path]) => path === field || path.startsWith(`${field}.`));
  if (!hit) return undefined;
  const i = Number(hit[0].slice(field.length + 1));
  return hit[0] === field || Number.isNaN(i) || values[i] === undefined ? hit[1] : `“${values[i]}”: ${hit[1]}`;
}

const providers = {
  google: { title: 'Google', issuer: 'https://accounts.google.com', who: 'For Google: https://accounts.google.com' },
  microsoft: { title: 'Microsoft', issuer: 'https://login.microsoftonline.com/organizations/v2.0', who: 'Tenant' },
} as const;

function SsoCards(props: { slug: string }) {
  const sso = useQuery({ queryKey: adminKeys.sso, queryFn: adminApi.sso });
  const settings = useTeamSettings();
  if (sso.isPending || settings.isPending) return <PageLoader />;
  if (sso.isError) return <ErrorState title="Could not load sign-in set-up" error={sso.error} onRetry={() => void sso.refetch()} />;
  if (settings.isError) return null;
  return (
    <section aria-labelledby="sso-title">
      <Title order={2} size="h4" id="sso-title" mb={4}>
        Contact sign-in with Google or Microsoft
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Contacts may sign in to the portal with their work account instead of a code. Register the redirect URI at the provider, then paste
        the client ID and secret here.
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {(['google', 'microsoft'] as const).map((p) => (
          <SsoCard key={p} provider={p} configs={sso.data} enabled={settings.data.contactSso[p]} slug={props.slug} />
        ))}
      </SimpleGrid>
    </section>
  );
}

function SsoCard(props: { provider: 'google' | 'microsoft'; configs: SsoConfigs; enabled: boolean; slug: string }) {
  const qc = useQueryClient();
  const p = providers[props.provider];
  const cfg = props.configs[props.provider];
  const [issuer, setIssuer] = useState(cfg?.issuer ?? p.issuer);
  const [clientId, setClientId] = useState(cfg?.clientId ?? '');
  const [secret, setSecret] = useState('');
  const [domains, setDomains] = useState<string[]>(cfg?.allowedDomains ?? []);
  const [tenants, setTenants] = useState<string[]>(cfg?.allowedTenants ?? []);
  const save = useMutation({
    mutationFn: () =>
      adminApi.putSso(props.provider, {
        issuer,
        clientId,
        ...(secret ? { clientSecret: secret } : {}),
        ...(props.provider === 'google' ? { allowedDomains: domains } : { allowedTenants: tenants }),
      }),
    onSuccess: (saved) => {
      setSecret('');
      // as stored: lower case, punycode, without duplicates
      setDomains(saved.allowedDomains);
      setTenants(saved.allowedTenants);
      void qc.invalidateQueries({ queryKey: adminKeys.sso });
      notifications.show({ color: 'green', message: `${p.title} sign-in saved` });
    },
  });
  const toggle = useMutation({
    mutationFn: (on: boolean) => api.updateSettings({ contactSso: { [props.provider]: on } }),
    onSuccess: (s) => qc.setQueryData(keys.settings, s),
    onError: (e) => notifications.show({ color: 'red', title: 'Not switched', message: errorMessage(e) }),
  });
  const errors = detailsOf(save.error);
  const id = `sso-${props.provider}`;
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby={id}>
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Title order={3} size="h5" id={id}>
          {p.title}
        </Title>
        <Badge color={cfg ? (props.enabled ? 'green' : 'gray') : 'orange'} variant="light">
          {cfg ? (props.enabled ? 'On' : 'Set up, off') : 'Not set up'}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mb={4}>
        Redirect URI to register:
      </Text>
      <Code block mb="md" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
        {props.configs.redirectUris[props.provider]}
      </Code>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="sm">
          <TextInput
            label={props.provider === 'microsoft' ? 'Issuer (tenant)' : 'Issuer'}
            description={
              props.provider === 'microsoft'
                ? 'https://login.microsoftonline.com/<tenant id>/v2.0, or …/organizations/v2.0 for any work account'
                : p.who
            }
            required
            value={issuer}
            onChange={(e) => setIssuer(e.currentTarget.value)}
            error={errors.issuer}
          />
          <TextInput
            label="Client ID"
            required
            value={clientId}
            onChange={(e) => setClientId(e.currentTarget.value)}
            error={errors.clientId}
          />
          <PasswordInput
            label="Client secret"
            description={cfg?.clientSecretSet ? 'Stored (never shown). Type a new one to replace it.' : 'Required the first time'}
            required={!cfg}
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.currentTarget.value)}
            error={errors.clientSecret}
          />
          {props.provider === 'google' ? (
            <TagsInput
              label="Allowed email domains"
              description="Only contacts whose Google email (and Google Workspace domain) is at one of these domains may sign in. Leave empty to allow any domain."
              placeholder="example.com, then Enter"
              splitChars={[',', ' ', ';']}
              clearable
              value={domains}
              onChange={setDomains}
              error={listError(errors, 'allowedDomains', domains)}
            />
          ) : (
            <TagsInput
              label="Allowed tenants"
              description="Microsoft Entra tenant IDs (a GUID, shown on the tenant's Overview page) whose accounts may sign in. Leave empty to allow any tenant the issuer accepts."
              placeholder="72f988bf-86f1-41af-91ab-2d7cd011db47, then Enter"
              splitChars={[',', ' ', ';']}
              clearable
              value={tenants}
              onChange={setTenants}
              error={listError(errors, 'allowedTenants', tenants)}
            />
          )}
          {save.error && !Object.keys(errors).length && (
            <Alert color="red" variant="light">
              {errorMessage(save.error)}
            </Alert>
          )}
          <Group justify="space-between" wrap="wrap">
            <Button type="submit" variant="default" loading={save.isPending}>
              Save {p.title} set-up
            </Button>
            <Anchor
              href={`/portal/api/${encodeURIComponent(props.slug)}/sso/${props.provider}/start`}
              target="_blank"
              rel="noreferrer"
              size="sm"
              aria-disabled={!cfg || !props.enabled}
              style={!cfg || !props.enabled ? { pointerEvents: 'none', color: 'var(--mantine-color-gray-6)' } : undefined}
            >
              <Group gap={4} component="span">
                Test sign-in <IconExternalLink size={14} />
              </Group>
            </Anchor>
          </Group>
          <Switch
            label={`Contacts may sign in with ${p.title}`}
            description={cfg ? undefined : 'Save the set-up first'}
            checked={props.enabled}
            disabled={!cfg || toggle.isPending}
            onChange={(e) => toggle.mutate(e.currentTarget.checked)}
          />
        </Stack>
      </form>
    </Card>
  );
}
