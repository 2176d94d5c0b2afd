import { Button, Center, EmptyState, Group } from '@mantine/core';
import { IconAlertTriangle, IconLock, IconMapOff } from '@tabler/icons-react';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ApiError, errorMessage } from '../lib/api.ts';

export function ErrorState(props: { title: string; message?: string; error?: unknown; onRetry?: () => void; fullPage?: boolean }) {
  const forbidden = props.error instanceof ApiError && props.error.status === 403;
  const body = (
    <EmptyState
      py={64}
      maw={520}
      mx="auto"
      role="alert"
      variant="light"
      color={forbidden || !props.error ? 'gray' : 'red'}
      icon={props.error && !forbidden ? <IconAlertTriangle size={28} /> : <IconLock size={28} />}
      title={props.title}
      description={props.message ?? (props.error ? errorMessage(props.error) : undefined)}
    >
      <EmptyState.Actions>
        <Group justify="center">
          {props.onRetry && <Button onClick={props.onRetry}>Try again</Button>}
          <Button component={Link} to="/contacts" variant={props.onRetry ? 'default' : 'filled'}>
            Go to Contacts
          </Button>
        </Group>
      </EmptyState.Actions>
    </EmptyState>
  );
  return props.fullPage ? <Center h="100vh">{body}</Center> : body;
}

export function NotFoundPage() {
  return (
    <EmptyState
      py={64}
      maw={520}
      mx="auto"
      variant="light"
      color="gray"
      icon={<IconMapOff size={28} />}
      title="Page not found"
      description="The address may be mistyped, or the page has moved."
    >
      <EmptyState.Actions>
        <Button component={Link} to="/contacts">
          Go to Contacts
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}

/** Shown by the router when rendering a route throws. */
export function RouteErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return <ErrorState title="Something went wrong" error={error} onRetry={() => window.location.reload()} fullPage />;
}
