import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Box, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../lib/api.ts';
import { keys, useMe } from '../../lib/queries.ts';
import { Logo } from '../../components/logo.tsx';
import { FullPageLoader } from '../../components/loaders.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';

/** Only same-app paths are followed after sign-in (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/contacts';
}

export function LoginPage() {
  const me = useMe();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});
  const next = safeNext(params.get('next'));
  usePageTitle('Sign in');

  const login = useMutation({
    mutationFn: () => api.login(email.trim(), password),
    onSuccess: (data) => {
      qc.clear();
      qc.setQueryData(keys.me, data);
      navigate(next, { replace: true });
    },
  });

  if (me.isPending) return <FullPageLoader />;
  if (me.data && !login.isPending) return <Navigate to={next} replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const problems = { email: email.trim() ? undefined : 'Enter your email', password: password ? undefined : 'Enter your password' };
    setMissing(problems);
    if (problems.email || problems.password) return;
    login.mutate();
  };

  const badCredentials = login.error instanceof ApiError && (login.error.status === 401 || login.error.status === 400);
  const rateLimited = login.error instanceof ApiError && login.error.status === 429;

  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Box w="100%" maw={420}>
        <Center mb="xl">
          <Logo size="lg" />
        </Center>
        <Paper withBorder shadow="sm" radius="lg" p={32}>
          <Title order={1} fz={22} mb={4}>
            Sign in
          </Title>
          <Text c="dimmed" size="sm" mb="lg">
            Use the email and password of your KDesk member account.
          </Text>
          <form onSubmit={onSubmit} noValidate aria-label="Sign in">
            <Stack gap="md">
              {login.isError && (
                <Alert
                  color="red"
                  variant="light"
                  icon={<IconAlertCircle size={18} />}
                  title={badCredentials ? 'Could not sign you in' : 'Sign-in failed'}
                  role="alert"
                >
                  {badCredentials
                    ? 'The email or password is incorrect. Check both and try again.'
                    : rateLimited
                      ? 'Too many attempts. Wait a minute and try again.'
                      : errorMessage(login.error)}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                placeholder="you@company.com"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={missing.email}
                autoFocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={missing.password}
              />
              <Button type="submit" fullWidth size="md" loading={login.isPending}>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        <Stack gap="sm" mt="lg" align="center">
          <Anchor component={Link} to="/forgot-password" size="sm">
            Forgot your password?
          </Anchor>
          <Anchor href="/api/docs" size="xs" target="_blank" rel="noreferrer">
            API documentation
          </Anchor>
        </Stack>
      </Box>
    </Center>
  );
}
