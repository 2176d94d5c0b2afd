import { describe, expect, it } from 'vitest';
import { describeSendError, escapeHtml, oneLine, renderCodeMail, renderInvitationMail, retryDelaySeconds } from './mail.rules.ts';

const hostile = `"><script>alert('x')</script>&`;

describe('mail templates', () => {
  it('escapes every interpolated value in the HTML part and keeps it readable in the text part', () => {
    const m = renderInvitationMail({ teamName: hostile, contactName: hostile, url: 'https://help.example.com/portal/a/c/tok?x="1"' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;');
    expect(m.html).toContain('href="https://help.example.com/portal/a/c/tok?x=%221%22"');
    expect(m.text).toContain(`${hostile} invites you`);
    expect(m.text).toContain('https://help.example.com/portal/a/c/tok');
  });

  it('puts the team name in the subject on one line', () => {
    const m = renderCodeMail({
      teamName: 'Acme\r\nBcc: victim@example.com',
      code: 'ABCDEFG',
      minutes: 10,
      portalUrl: 'http://localhost/portal/acme',
    });
    expect(m.subject).toBe('Your Acme Bcc: victim@example.com sign-in code');
    expect(m.subject).not.toMatch(/[\r\n]/);
  });

  it('shows the code in two groups in both parts and says how long it works', () => {
    const m = renderCodeMail({ teamName: 'Acme', code: 'ABCDEFG', minutes: 10, portalUrl: 'http://localhost/portal/acme' });
    expect(m.text).toContain('    ABC DEFG');
    expect(m.html).toContain('ABC DEFG');
    expect(m.text).toContain('within 10 minutes');
    expect(m.subject).not.toContain('ABC');
  });

  it('refuses a link that is not http(s)', () => {
    expect(() => renderInvitationMail({ teamName: 'A', contactName: null, url: 'javascript:alert(1)' })).toThrow(/javascript/);
  });

  it('escapes the five HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(oneLine(' a\n\tb \u2028c ')).toBe('a b c');
  });
});

describe('retry schedule', () => {
  it('doubles from 30 seconds and stops growing at 6 hours', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([30, 60, 120, 240, 480]);
    expect(retryDelaySeconds(30)).toBe(6 * 3600);
    expect(retryDelaySeconds(0)).toBe(30);
  });

  it('keeps one line of the error without SMTP credentials', () => {
    const err = Object.assign(new Error('Invalid login for smtp://user:secret@mail.example.com\nmore'), { responseCode: 535 });
    expect(describeSendError(err)).toBe('Invalid login for smtp://***@mail.example.com (SMTP 535)');
    expect(describeSendError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED (ECONNREFUSED)',
    );
  });
});
