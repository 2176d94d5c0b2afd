// The one password policy of kdesk, for the API, the web app and the CLI alike: at least
// limits.passwordMin characters, not a commonly used password, not the member's own email.
// The list (common-passwords.txt) is the 10,000 most common passwords of zxcvbn's list plus every
// longer entry of it (MIT, see common-passwords.LICENSE.txt), lower-cased, one a line.
import { readFileSync } from 'node:fs';
import { AppError } from '#shared/errors.ts';
import { limits } from '#shared/limits.ts';

let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  // read on first use (about 94 kB): only processes that set passwords pay for it
  common ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  return common;
}

/** The password without what people add to a common word to pass a rule: case, digits and symbols around it. */
export function passwordCore(password: string): string {
  return password
    .toLowerCase()
    .replace(/^[\d\W_]+|[\d\W_]+$/gu, '')
    .trim();
}

/** Why `password` may not be used, or null when it may. `email` is the member's own address. */
export function passwordProblem(password: string, email?: string | null): string | null {
  if ([...password].length < limits.passwordMin) return `A password needs at least ${limits.passwordMin} characters`;
  if (password.length > limits.passwordMax) return `A password has at most ${limits.passwordMax} characters`;
  const lower = password.toLowerCase().trim();
  const core = passwordCore(password);
  const list = commonPasswords();
  if (list.has(lower) || (core.length >= 4 && list.has(core))) {
    return 'This password is one of the most commonly used ones: choose another';
  }
  if (email) {
    const address = email.toLowerCase();
    const local = address.split('@')[0] ?? '';
    if (lower === address || lower.includes(address) || (local.length >= 3 && passwordCore(local) === core)) {
      return 'A password must not be your email address';
    }
  }
  return null;
}

/** Throws the policy's refusal as a 400 on `path`. */
export function requireGoodPassword(password: string, email: string | null | undefined, path = 'password'): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new AppError('VALIDATION', problem, [{ path, message: problem }]);
}
