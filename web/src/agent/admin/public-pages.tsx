// Pages for people who are not signed in: accepting an invitation, asking for a password reset link and
// choosing a new password with it. Each ends signed in (the server sets the session) or says what to do.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Anchor, Box, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconMailCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { errorMessage } from '../../lib/api.ts';
import { roleLabel } from '../../lib/format.ts';
import { keys } from '../../lib/queries.ts';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { Logo } from '../../components/logo.tsx';
import { FullPageLoader } from '../../components/loaders.tsx';
import { adminApi } from './admin-api.ts';
import { fieldError } from './account-page.tsx';

const PASSWORD_HINT = 'At least 10 characters, not a commonly used password and not your email.';

function Frame(props: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Box w="100%" maw={440}>
        <Center mb="xl">
          <Logo size="lg" />
        </Center>
        <Paper withBorder shadow="sm" radius="lg" p={32}>
          <Title order={1} fz={22} mb="md">
            {props.title}
          </Title>
          {props.children}
        </Paper>
        <Center mt="lg">
          <Anchor component={Link} to="/login" size="sm">
            Back to sign in
          </Anchor>
        </Center>
      </Box>
    </Center>
  );
}

function LinkGone(props: { message: string; action?: ReactNode }) {
  return (
    <Alert color="orange" variant="light" icon={<IconAlertCircle size={18} />}>
      <Text size="sm">{props.message}</Text>
      {props.action}
    </Alert>
  );
}

export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  usePageTitle('Join your team');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const preview = useQuery({ queryKey: ['invitation', token], queryFn: () => adminApi.invitationPreview(token), retry: false });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const accept = useMutation({
    mutationFn: () => adminApi.acceptInvitation(token, { name: name.trim(), password }),
    onSuccess: (me) => {
      qc.clear();
      qc.setQueryData(keys.me, me);
      navigate('/contacts', { replace: true });
    },
  });
  if (preview.isPending) return <FullPageLoader />;
  if (preview.isError) {
    return (
      <Frame title="Join your team">
        <LinkGone message={errorMessage(preview.error)} />
      </Frame>
    );
  }
  const inv = preview.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate();
  };
  return (
    <Frame title={`Join ${inv.teamName}`}>
      <Text size="sm" c="dimmed" mb="md">
        You were invited as {roleLabel[inv.role].toLowerCase()} with <b>{inv.email}</b>. Choose your name and a password to finish.
      </Text>
      <form onSubmit={submit}>
        <Stack gap="md">
          <TextInput
            label="Your name"
            required
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError(accept.error, 'name')}
          />
          <PasswordInput
            label="Password"
            description={PASSWORD_HINT}
            required
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(accept.error, 'password')}
          />
          {accept.error && !fieldError(accept.error, 'password') && !fieldError(accept.error, 'name') && (
            <Alert color="red" variant="light">
              {errorMessage(accept.error)}
            </Alert>
          )}
          <Button type="submit" size="md" fullWidth loading={accept.isPending}>
            Join {inv.teamName}
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}

export function ForgotPasswordPage() {
  usePageTitle('Reset your password');
  const [email, setEmail] = useState('');
  const ask = useMutation({ mutationFn: () => adminApi.askReset(email.trim()) });
  return (
    <Frame title="Reset your password">
      {ask.isSuccess ? (
        <Alert color="green" variant="light" icon={<IconMailCheck size={18} />} title="Check your mail">
          {ask.data.message}
        </Alert>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ask.mutate();
          }}
        >
          <Stack gap="md">
            <Text size="sm" c="dimmed">
              Enter the email you sign in with. We will mail you a link to choose a new password.
            </Text>
            <TextInput
              label="Email"
              type="email"
              required
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={fieldError(ask.error, 'email')}
            />
            {ask.error && !fieldError(ask.error, 'email') && (
              <Alert color="red" variant="light">
                {errorMessage(ask.error)}
              </Alert>
            )}
            <Button type="submit" size="md" fullWidth loading={ask.isPending}>
              Send the link
            </Button>
          </Stack>
        </form>
      )}
    </Frame>
  );
}

export function ResetPasswordPage() {
  const { token = '' } = useParams();
  usePageTitle('Choose a new password');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const check = useQuery({ queryKey: ['reset', token], queryFn: () => adminApi.checkReset(token), retry: false });
  const [password, setPassword] = useState('');
  const done = useMutation({
    mutationFn: () => adminApi.completeReset(token, password),
    onSuccess: (me) => {
      qc.clear();
      qc.setQueryData(keys.me, me);
      navigate('/contacts', { replace: true });
    },
  });
  if (check.isPending) return <FullPageLoader />;
  if (check.isError) {
    return (
      <Frame title="Choose a new password">
        <LinkGone
          message={errorMessage(check.error)}
          action={
            <Anchor component={Link} to="/forgot-password" size="sm">
              Ask for a new link
            </Anchor>
          }
        />
      </Frame>
    );
  }
  return (
    <Frame title="Choose a new password">
      <Text size="sm" c="dimmed" mb="md">
        For {check.data.email}. You will be signed out everywhere else, and your API tokens will stop working.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          done.mutate();
        }}
      >
        <Stack gap="md">
          <PasswordInput
            label="New password"
            description={PASSWORD_HINT}
            required
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={fieldError(done.error, 'password')}
          />
          {done.error && !fieldError(done.error, 'password') && (
            <Alert color="red" variant="light">
              {errorMessage(done.error)}
            </Alert>
          )}
          <Button type="submit" size="md" fullWidth loading={done.isPending}>
            Save and sign in
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}
