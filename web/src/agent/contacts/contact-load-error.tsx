import { ApiError } from '../../lib/api.ts';
import { ErrorState } from '../../components/error-state.tsx';

/** What the contact pages show when the contact could not be loaded. */
export function ContactLoadError({ error, onRetry }: { error: Error; onRetry: () => void }) {
  return error instanceof ApiError && error.status === 404 ? (
    <ErrorState title="Contact not found" message="It may have been deleted, or the link is incomplete." />
  ) : (
    <ErrorState title="Could not load the contact" error={error} onRetry={onRetry} />
  );
}
