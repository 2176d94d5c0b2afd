import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Anchor, Button, Divider, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconBrandGoogle, IconBrandWindows, IconClockHour4, IconInfoCircle, IconMail } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate } from 'react-router';
import { normalizeEmail } from '#shared/email.ts';
import { isApiError } from '../lib/api.ts';
import { portalApi, PortalApiError, type PortalTeamInfo } from './portal-api.ts';
import { PortalShell } from './portal-shell.tsx';
import { portalKeys, usePortalTitle } from './portal-queries.ts';
import { PortalDisabled } from './portal-messages.tsx';
import { CodeInput } from './code-input.tsx';
import { CODE_LENGTH, maskEmail } from './code.ts';
import { formatCountdown, formatWait, useNow } from './use-now.ts';

/** Wrong tries the server accepts for one code (SPEC §6); after that only a new code helps. */
const MAX_WRONG_TRIES = 5;
/** A new code may be asked for after this long, so a double tap never sends two mails. */
const RESEND_AFTER_SECONDS = 30;

const ssoMessages: Record<string, string> = {
  sso_failed: 'Signing in with your work account did not complete. Try again, or sign in with a code sent by email.',
  sso_email_unverified:
    'Your work account has no verified email address, so we cannot tell who you are. Sign in with a code sent by email instead.',
  sso_no_access:
    'Your work account is not linked to a contact with portal access here. Sign in with the email address your support team has on file, or ask them for access.',
  sso_domain_not_allowed:
    'Your Google account is not from an email domain this support team accepts for sign-in. Sign in with a code sent by email instead, or use your work account of an accepted domain.',
  sso_tenant_not_allowed:
    'Your Microsoft account belongs to an organisation this support team does not accept for sign-in. Sign in with a code sent by email instead, or use your work account of an accepted organisation.',
  sso_unavailable: 'Signing in with a work account is not available right now. Sign in with a code sent by email instead.',
};

type Step = { name: 'start' } | { name: 'code'; requestId: string; expiresAt: number; sentAt: number; to: string | null };

interface Problem {
  title: string;
  message: ReactNode;
  /** Buttons stay disabled until then (429 Retry-After). */
  blockedUntil?: number;
  color?: 'red' | 'orange' | 'gray';
}

/** The sign-in of the portal: email (or contact link) → one-time code → signed in. */
export function SignIn(props: { team: PortalTeamInfo; linkToken: string | null; ssoError: string | null }) {
  const { team, linkToken } = props;
  const slug = team.team.slug;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  // a notice from the page before (signed out, session ended) shows once: a reload does not repeat it
  const [notice, setNotice] = useState<string | null>(null);
  const signedOut = notice === 'signed-out';
  const sessionEnded = notice === 'session-ended';

  const [step, setStep] = useState<Step>({ name: 'start' });
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<ReactNode>(null);
  const [wrongTries, setWrongTries] = useState(0);
  const [problem, setProblem] = useState<Problem | null>(props.ssoError ? ssoProblem(props.ssoError) : null);
  const [busy, setBusy] = useState<'send' | 'verify' | null>(null);
  const [disabled, setDisabled] = useState(false);
  const lastTried = useRef<string | null>(null);

  const now = useNow(step.name === 'code' || Boolean(problem?.blockedUntil));
  const blocked = problem?.blockedUntil !== undefined && problem.blockedUntil > now;
  const expired = step.name === 'code' && now >= step.expiresAt;
  const usedUp = wrongTries >= MAX_WRONG_TRIES;

  usePortalTitle(step.name === 'code' ? 'Enter your code' : 'Sign in', team.team.name);

  // the SSO error came in the address (?error=...): show it once, then clean the address
  useEffect(() => {
    const fromState = (location.state as { notice?: string } | null)?.notice;
    if (fromState) setNotice(fromState);
    if (props.ssoError || location.state) navigate({ search: '' }, { replace: true, state: null });
  }, [props.ssoError, navigate, location.state]);

  // a blocked form unblocks itself when Retry-After has passed
  useEffect(() => {
    if (problem?.blockedUntil && problem.blockedUntil <= now) setProblem(null);
  }, [problem, now]);

  /** Turns an API error into what the person sees; true when handled. */
  function showError(e: unknown): void {
    if (isApiError(e, 'PORTAL_DISABLED')) {
      setDisabled(true);
      return;
    }
    if (isApiError(e, 'RATE_LIMITED')) {
      const wait = (e instanceof PortalApiError && e.retryAfterSeconds) || 60;
      setProblem({
        title: 'Too many attempts',
        message: `${e.message.replace(/\s*Wait a few minutes.*$/i, '')} For your security, please wait ${formatWait(wait)} before trying again.`,
        blockedUntil: Date.now() + wait * 1000,
        color: 'orange',
      });
      return;
    }
    setProblem({ title: 'Something went wrong', message: isApiError(e) ? e.message : String(e), color: 'red' });
  }

  async function sendCode() {
    setProblem(null);
    setCodeError(null);
    let to: string | null = null;
    if (!linkToken) {
      const checked = normalizeEmail(email);
      if (!checked.ok) {
        setEmailError(email.trim() ? 'Enter a valid email address, like name@example.com' : 'Enter your email address');
        return;
      }
      to = email.trim();
    }
    setEmailError(null);
    setBusy('send');
    try {
      const started = linkToken ? await portalApi.startWithLink(slug, linkToken) : await portalApi.startWithEmail(slug, to!);
      const at = Date.now();
      setStep({ name: 'code', requestId: started.requestId, expiresAt: at + started.expiresInSeconds * 1000, sentAt: at, to });
      setCode('');
      setWrongTries(0);
      lastTried.current = null;
    } catch (e) {
      if (isApiError(e, 'VALIDATION')) setEmailError(e.details[0]?.message ?? e.message);
      else showError(e);
    } finally {
      setBusy(null);
    }
  }

  async function verify(value: string) {
    if (step.name !== 'code' || busy) return;
    if (value.length !== CODE_LENGTH) {
      setCodeError(`The code has ${CODE_LENGTH} characters`);
      return;
    }
    if (expired || usedUp) return;
    lastTried.current = value;
    setProblem(null);
    setCodeError(null);
    setBusy('verify');
    try {
      const profile = await portalApi.verify(slug, step.requestId, value);
      qc.setQueryData(portalKeys.me(slug), profile);
      // the contact link (if any) has done its job: keep it out of the address bar and the history
      navigate(`/portal/${encodeURIComponent(slug)}`, { replace: true });
    } catch (e) {
      if (isApiError(e, 'INVALID_CODE')) {
        const tries = wrongTries + 1;
        setWrongTries(tries);
        if (Date.now() >= step.expiresAt) setCodeError(null);
        else if (tries >= MAX_WRONG_TRIES) setCodeError(null);
        else setCodeError("That code didn't work. Check it against the latest email and try again.");
      } else {
        showError(e);
      }
    } finally {
      setBusy(null);
    }
  }

  const onCodeChange = (value: string) => {
    setCode(value);
    if (codeError) setCodeError(null);
    // the whole code typed or pasted: sign in at once (but never send the same wrong code twice)
    if (value.length === CODE_LENGTH && value !== lastTried.current) void verify(value);
  };

  if (disabled) return <PortalDisabled teamName={team.team.name} />;

  const anySso = team.sso.google || team.sso.microsoft;
  const startOver = () => {
    setStep({ name: 'start' });
    setCode('');
    setCodeError(null);
    setProblem(null);
  };

  return (
    <PortalShell teamName={team.team.name}>
      <Paper withBorder radius="lg" p={{ base: 'lg', xs: 'xl' }} shadow="xs">
        {signedOut && step.name === 'start' && !problem && (
          <Alert variant="light" color="teal" mb="lg" icon={<IconInfoCircle size={18} />}>
            You have signed out.
          </Alert>
        )}
        {sessionEnded && step.name === 'start' && !problem && (
          <Alert variant="light" color="gray" mb="lg" icon={<IconClockHour4 size={18} />}>
            Your session has ended. Sign in again to continue.
          </Alert>
        )}
        {problem && (
          <Alert
            variant="light"
            color={problem.color ?? 'red'}
            mb="lg"
            icon={<IconAlertCircle size={18} />}
            title={problem.title}
            role="alert"
          >
            {problem.message}
            {problem.blockedUntil && blocked && (
              <Text size="sm" fw={600} mt={6} data-testid="retry-countdown">
                You can try again in {formatCountdown((problem.blockedUntil - now) / 1000)}.
              </Text>
            )}
          </Alert>
        )}

        {step.name === 'start' ? (
          <Stack gap="lg">
            <Stack gap={6}>
              <Title order={1} fz={24}>
                Sign in
              </Title>
              <Text c="dimmed" size="sm">
                {linkToken
                  ? `We'll send a one-time sign-in code to the email address ${team.team.name} has on file for you. No password needed.`
                  : `Enter the email address ${team.team.name} knows you by, and we'll send you a one-time sign-in code. No password needed.`}
              </Text>
            </Stack>

            <form
              noValidate
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                void sendCode();
              }}
            >
              <Stack gap="md">
                {!linkToken && (
                  <TextInput
                    label="Email address"
                    type="email"
                    autoComplete="email"
                    inputMode="email"
                    autoCapitalize="none"
                    spellCheck={false}
                    enterKeyHint="send"
                    placeholder="you@company.com"
                    size="md"
                    value={email}
                    onChange={(e) => {
                      setEmail(e.currentTarget.value);
                      if (emailError) setEmailError(null);
                    }}
                    error={emailError}
                    autoFocus
                    leftSection={<IconMail size={18} />}
                  />
                )}
                <Button type="submit" size="md" fullWidth loading={busy === 'send'} disabled={blocked}>
                  {linkToken ? 'Email me a sign-in code' : 'Send sign-in code'}
                </Button>
              </Stack>
            </form>

            {anySso && (
              <>
                <Divider label="or" labelPosition="center" />
                <Stack gap="sm">
                  {team.sso.google && (
                    <Button
                      component="a"
                      href={portalApi.ssoStartUrl(slug, 'google')}
                      variant="default"
                      size="md"
                      fullWidth
                      className="kp-sso-button"
                      leftSection={<IconBrandGoogle size={18} />}
                    >
                      Continue with Google
                    </Button>
                  )}
                  {team.sso.microsoft && (
                    <Button
                      component="a"
                      href={portalApi.ssoStartUrl(slug, 'microsoft')}
                      variant="default"
                      size="md"
                      fullWidth
                      className="kp-sso-button"
                      leftSection={<IconBrandWindows size={18} />}
                    >
                      Continue with Microsoft
                    </Button>
                  )}
                </Stack>
              </>
            )}

            {team.visitorRequests && !linkToken && (
              <Text size="sm" c="dimmed" ta="center">
                Just need help?{' '}
                <Anchor component={Link} to={`/portal/${encodeURIComponent(slug)}/new`} size="sm">
                  Submit a request without signing in
                </Anchor>
              </Text>
            )}

            {linkToken && (
              <Text size="xs" c="dimmed">
                This is your personal sign-in link: please don't share it. Not you?{' '}
                <Anchor component={Link} to={`/portal/${encodeURIComponent(slug)}`} size="xs">
                  Sign in with your email address
                </Anchor>
                .
              </Text>
            )}
          </Stack>
        ) : (
          <CodeStep
            step={step}
            now={now}
            code={code}
            onCodeChange={onCodeChange}
            codeError={codeError}
            expired={expired}
            usedUp={usedUp}
            busy={busy}
            blocked={blocked}
            viaLink={Boolean(linkToken)}
            slug={slug}
            onSubmit={() => void verify(code)}
            onResend={() => void sendCode()}
            onStartOver={startOver}
          />
        )}
      </Paper>
    </PortalShell>
  );
}

function CodeStep(props: {
  step: Extract<Step, { name: 'code' }>;
  now: number;
  code: string;
  onCodeChange: (v: string) => void;
  codeError: ReactNode;
  expired: boolean;
  usedUp: boolean;
  busy: 'send' | 'verify' | null;
  blocked: boolean;
  viaLink: boolean;
  slug: string;
  onSubmit: () => void;
  onResend: () => void;
  onStartOver: () => void;
}) {
  const { step, now } = props;
  const left = (step.expiresAt - now) / 1000;
  const resendIn = RESEND_AFTER_SECONDS - (now - step.sentAt) / 1000;
  const dead = props.expired || props.usedUp;

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <Stack gap="lg">
        <Stack gap={6}>
          <Title order={1} fz={24}>
            Check your email
          </Title>
          <Text c="dimmed" size="sm" data-testid="code-sent-to">
            {step.to ? (
              <>
                If <b>{maskEmail(step.to)}</b> belongs to a contact of this portal, we've sent a {CODE_LENGTH}‑character code to it.
              </>
            ) : (
              <>We've sent a {CODE_LENGTH}‑character code to the email address we have on file for you.</>
            )}{' '}
            It can take a minute to arrive.
          </Text>
        </Stack>

        {props.expired ? (
          <Alert variant="light" color="orange" icon={<IconClockHour4 size={18} />} title="This code has expired" role="alert">
            Codes work for 10 minutes. Send a new code and use the latest email.
          </Alert>
        ) : props.usedUp ? (
          <Alert variant="light" color="red" icon={<IconAlertCircle size={18} />} title="Too many wrong tries" role="alert">
            This code no longer works after {MAX_WRONG_TRIES} wrong tries. Send a new code to try again.
          </Alert>
        ) : null}

        {!dead && (
          <>
            <CodeInput
              value={props.code}
              onChange={props.onCodeChange}
              error={props.codeError}
              disabled={props.busy === 'verify' || props.blocked}
              autoFocus
              description={`Enter or paste the code from the email. Letters and digits; spaces and dashes don't matter.`}
            />
            <Button type="submit" size="md" fullWidth loading={props.busy === 'verify'} disabled={props.blocked}>
              Sign in
            </Button>
            <Text size="xs" c="dimmed" ta="center" data-testid="code-expiry">
              The code expires in {formatCountdown(left)}.
            </Text>
          </>
        )}

        <Divider />
        <Stack gap={6}>
          <Group justify="space-between" gap="xs" wrap="wrap">
            <Text size="sm">Didn't get the email?</Text>
            <Button
              variant={dead ? 'filled' : 'subtle'}
              size={dead ? 'md' : 'compact-sm'}
              fullWidth={dead}
              onClick={props.onResend}
              loading={props.busy === 'send'}
              disabled={props.blocked || (!dead && resendIn > 0)}
            >
              {!dead && resendIn > 0 ? `Send a new code in ${Math.ceil(resendIn)}s` : 'Send a new code'}
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Check your spam folder.{' '}
            {props.viaLink ? (
              <>
                No code at all? Your personal link may have been replaced by a newer invitation or switched off.{' '}
                <Anchor component={Link} to={`/portal/${encodeURIComponent(props.slug)}`} size="xs">
                  Sign in with your email address
                </Anchor>{' '}
                instead.
              </>
            ) : (
              <>
                Codes go only to the primary email address your support team has on file.{' '}
                <Anchor component="button" type="button" size="xs" onClick={props.onStartOver}>
                  Use a different email
                </Anchor>
              </>
            )}
          </Text>
        </Stack>
      </Stack>
    </form>
  );
}

function ssoProblem(reason: string): Problem {
  return { title: 'Could not sign you in', message: ssoMessages[reason] ?? ssoMessages.sso_failed!, color: 'red' };
}
