// The LDAP suites need a real slapd (Debian packages slapd and ldap-utils). Where it is missing they are skipped
// with the reason printed, except in CI (CI=true), where a missing slapd is a failure: `.ci/run` installs it, so
// its absence there means the LDAP tests silently stopped running.
import { describe, it } from 'vitest';
import { slapdMissing } from './slapd.ts';

const inCi = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** `describe` for suites that start a slapd: runs them, skips them with a printed reason, or fails in CI. */
export function describeLdap(name: string, fn: () => void): void {
  const missing = slapdMissing();
  if (!missing) {
    describe(name, fn);
    return;
  }
  if (inCi()) {
    describe(name, () => {
      it('has a slapd to run against', () => {
        throw new Error(`CI=true but the LDAP tests cannot run: ${missing}`);
      });
    });
    return;
  }
  console.warn(`[ldap] skipping "${name}": ${missing}`);
  describe.skip(name, fn);
}
