// Periodic work of the portal and the mail outbox: issue sign-in codes for pending requests, then
// deliver due mail. Every instance may run it: rows are claimed with SKIP LOCKED, so two instances
// never handle the same request or message.
import type { MailService } from './mail.service.ts';
import type { PortalService } from '../portal/portal.service.ts';

export async function runMailTasksOnce(s: { mail: MailService; portal: PortalService }) {
  const codes = await s.portal.processLoginRequests();
  const mail = await s.mail.deliverDue();
  return { codes, mail };
}

/** Runs the tasks every `intervalSeconds` until stopped; a failing round is logged and retried next round. */
export function startMailTasks(
  s: { mail: MailService; portal: PortalService },
  opts: { intervalSeconds: number; onError: (err: unknown) => void },
): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = runMailTasksOnce(s)
      .catch(opts.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalSeconds * 1000);
      });
  };
  timer = setTimeout(tick, 250);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
