import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password.rules.ts';

describe('password policy', () => {
  it('needs at least 10 characters, counted as characters, not UTF-16 units', () => {
    expect(passwordProblem('a')).toMatch(/at least 10/);
    expect(passwordProblem('short pw1')).toMatch(/at least 10/);
    expect(passwordProblem('🔑🔑🔑🔑🔑')).toMatch(/at least 10/);
    expect(passwordProblem('correct horse battery')).toBeNull();
  });
  it('refuses common passwords, also in another case or with digits and symbols added around them', () => {
    expect(passwordProblem('1234567890')).toMatch(/commonly used/);
    expect(passwordProblem('qwertyuiop')).toMatch(/commonly used/);
    expect(passwordProblem('Password123')).toMatch(/commonly used/);
    expect(passwordProblem('Password2026!')).toMatch(/commonly used/);
    expect(passwordProblem('!!Dragon12345')).toMatch(/commonly used/);
    expect(passwordProblem('blue pelican orbit')).toBeNull();
  });
  it('refuses the member email and its name part', () => {
    expect(passwordProblem('jane.doe@acme.com', 'jane.doe@acme.com')).toMatch(/email/);
    expect(passwordProblem('JANE.DOE@ACME.COM!', 'jane.doe@acme.com')).toMatch(/email/);
    expect(passwordProblem('Jane.Doe2026', 'jane.doe@acme.com')).toMatch(/email/);
    expect(passwordProblem('Jane.Doe2026', 'someone@acme.com')).toBeNull();
  });
});
