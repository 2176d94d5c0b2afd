import { describe, expect, it } from 'vitest';
import {
  andFilters,
  changedSinceFilter,
  escapeFilterValue,
  explainLdapError,
  filterSyntaxError,
  guidFromBytes,
  isAccountDisabled,
  isDnUnder,
  nextModifyWatermark,
  normalizeDn,
  parseGeneralizedTime,
  parseRange,
  sidFromBytes,
  watermarkUsable,
} from './ldap.rules.ts';

describe('guidFromBytes', () => {
  it('reads the first three groups little-endian, as Windows prints a GUID', () => {
    // {3F2504E0-4F89-11D3-9A0C-0305E82C3301}
    const b = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
    expect(guidFromBytes(b)).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  });
  it('refuses anything but 16 bytes', () => {
    expect(() => guidFromBytes(Buffer.alloc(15))).toThrow(/16 bytes/);
  });
});

describe('sidFromBytes', () => {
  it('prints S-1-5-21-...', () => {
    const b = Buffer.from('010500000000000515000000a065cf7e784b9b5fe77c8770e8030000', 'hex');
    expect(sidFromBytes(b)).toBe('S-1-5-21-2127521184-1604012920-1887927527-1000');
  });
});

describe('normalizeDn', () => {
  it('treats escaped commas, hex escapes, case and spaces alike', () => {
    const a = normalizeDn('CN=Smith\\, John,OU=Sales,DC=Example,DC=com');
    expect(normalizeDn('cn=smith\\2c john, ou=sales , dc=example,dc=COM')).toBe(a);
    expect(normalizeDn('CN="Smith, John",OU=Sales,DC=Example,DC=com')).toBe(a);
    expect(a).toBe('cn=smith\\, john,ou=sales,dc=example,dc=com');
    // a comma that is escaped is not a separator
    expect(normalizeDn('CN=Smith\\, John,OU=Sales,DC=example,DC=com')).not.toBe(normalizeDn('CN=Smith,CN=John,OU=Sales,DC=example,DC=com'));
  });
  it('decodes UTF-8 hex escapes and sorts multi-valued RDNs', () => {
    expect(normalizeDn('CN=J\\C3\\BCrgen,DC=x')).toBe(normalizeDn('cn=Jürgen,dc=x'));
    expect(normalizeDn('uid=a+cn=B,dc=x')).toBe(normalizeDn('CN=b+UID=a,DC=x'));
  });
  it('tells whether a DN is under a base', () => {
    expect(isDnUnder('CN=Smith\\, John,OU=Sales,DC=example,DC=com', 'dc=EXAMPLE, dc=com')).toBe(true);
    expect(isDnUnder('CN=x,DC=other,DC=com', 'dc=example,dc=com')).toBe(false);
    expect(isDnUnder('CN=x,DC=notexample,DC=com', 'dc=example,dc=com')).toBe(false);
  });
});

describe('filters', () => {
  it('escapes values and ANDs parts', () => {
    expect(escapeFilterValue('a*(b)\\')).toBe('a\\2a\\28b\\29\\5c');
    expect(andFilters('objectClass=person', '', null)).toBe('(objectClass=person)');
    expect(andFilters('(objectClass=person)', '(l=Berlin)')).toBe('(&(objectClass=person)(l=Berlin))');
  });
  it('selects changes since a watermark', () => {
    expect(changedSinceFilter(null)).toBeNull();
    expect(changedSinceFilter({ kind: 'modifyTimestamp', value: '20261206203000Z' })).toBe('(modifyTimestamp>=20261206203000Z)');
    expect(changedSinceFilter({ kind: 'uSNChanged', value: '12345', invocationId: 'x' })).toBe('(uSNChanged>=12346)');
  });
});

describe('member;range=', () => {
  it('parses the slice a directory answered', () => {
    expect(parseRange('member;range=0-1499')).toEqual({ attribute: 'member', start: 0, end: 1499 });
    expect(parseRange('member;range=1500-*')).toEqual({ attribute: 'member', start: 1500, end: null });
    expect(parseRange('member')).toBeNull();
  });
});

describe('account state and watermarks', () => {
  it('reads ACCOUNTDISABLE from userAccountControl', () => {
    expect(isAccountDisabled('514')).toBe(true);
    expect(isAccountDisabled('512')).toBe(false);
    expect(isAccountDisabled('66050')).toBe(true);
    expect(isAccountDisabled(undefined)).toBe(false);
  });
  it('parses GeneralizedTime with fractions and offsets', () => {
    expect(parseGeneralizedTime('20261206203000Z')?.toISOString()).toBe('2026-12-06T20:30:00.000Z');
    expect(parseGeneralizedTime('20261206203000.5Z')?.toISOString()).toBe('2026-12-06T20:30:00.500Z');
    expect(parseGeneralizedTime('20261206213000+0100')?.toISOString()).toBe('2026-12-06T20:30:00.000Z');
    expect(parseGeneralizedTime('yesterday')).toBeNull();
  });
  it('never moves a modifyTimestamp watermark past the start of the run (minus clock skew)', () => {
    const start = new Date('2026-12-06T20:30:00Z');
    expect(nextModifyWatermark('20261206100000Z', start)).toEqual({ kind: 'modifyTimestamp', value: '20261206100000Z' });
    expect(nextModifyWatermark('20261206203500Z', start)).toEqual({ kind: 'modifyTimestamp', value: '20261206202500Z' });
    expect(nextModifyWatermark(null, start)).toEqual({ kind: 'modifyTimestamp', value: '20261206202500Z' });
  });
  it('uses a uSNChanged watermark only from the same domain controller database', () => {
    const w = { kind: 'uSNChanged' as const, value: '10', invocationId: 'a' };
    expect(watermarkUsable(w, 'uSNChanged', 'a')).toBe(true);
    expect(watermarkUsable(w, 'uSNChanged', 'b')).toBe(false);
    expect(watermarkUsable(w, 'modifyTimestamp', 'a')).toBe(false);
    expect(watermarkUsable(null, 'uSNChanged', 'a')).toBe(false);
    expect(watermarkUsable({ ...w, invocationId: null }, 'uSNChanged', null)).toBe(true);
    expect(watermarkUsable({ ...w, invocationId: null }, 'uSNChanged', 'a')).toBe(false);
    expect(watermarkUsable({ kind: 'modifyTimestamp', value: '20261206203000Z' }, 'none', null)).toBe(false);
  });
});

describe('explainLdapError', () => {
  const ctx = { url: 'ldap://dir.example.com', bindDn: 'cn=admin,dc=example,dc=com', baseDn: 'dc=nope', filter: '(x' };
  it('says what is wrong in plain words', () => {
    expect(explainLdapError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'bind', ctx)).toMatchObject({
      code: 'unreachable',
      message: 'Cannot reach dir.example.com:389: nothing accepts connections there. Check the host and port.',
    });
    expect(explainLdapError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), 'bind', ctx).message).toMatch(
      /host name does not resolve/,
    );
    const bad = Object.assign(new Error('80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563'), {
      name: 'InvalidCredentialsError',
      code: 49,
    });
    expect(explainLdapError(bad, 'bind', ctx)).toMatchObject({ code: 'bind', field: 'settings.bindPassword' });
    expect(explainLdapError(bad, 'bind', ctx).message).toMatch(/password is wrong/);
    expect(explainLdapError(Object.assign(new Error('x'), { name: 'NoSuchObjectError', code: 32 }), 'baseDn', ctx)).toMatchObject({
      code: 'base_dn',
      message: 'The base DN "dc=nope" was not found in the directory. Check its spelling (e.g. dc=example,dc=com).',
    });
    expect(
      explainLdapError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'bind', {
        ...ctx,
        url: 'ldaps://dir.example.com',
      }),
    ).toMatchObject({
      code: 'tls',
      message: expect.stringMatching(/^TLS problem with dir.example.com:636: its certificate is not signed/),
    });
  });
});

describe('filterSyntaxError', () => {
  it('accepts well-formed filters', () => {
    for (const f of [
      '(objectClass=user)',
      'objectClass=user',
      '(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
      '(|(mail=*@example.com)(cn=Smith\\2c John*))',
      '(modifyTimestamp>=20261206203000Z)',
      '(memberOf:1.2.840.113556.1.4.1941:=CN=All Staff,OU=Groups,DC=example,DC=com)',
      '(&)',
    ]) {
      expect(filterSyntaxError(f), f).toBeNull();
    }
  });
  it('says what is wrong', () => {
    expect(filterSyntaxError('(&(objectClass=user)(mail=*)')).toBe('a closing parenthesis ")" is missing');
    expect(filterSyntaxError('(objectClass=user))')).toBe('unexpected text after the filter: ")"');
    expect(filterSyntaxError('(cn=a(b)')).toMatch(/unescaped "\("/);
    expect(filterSyntaxError('(cn=a\\zz)')).toMatch(/two hex digits/);
    expect(filterSyntaxError('(=x)')).toMatch(/does not start with an attribute name/);
    expect(filterSyntaxError('(uSNChanged>=)')).toBe('a value is missing after uSNChanged>=');
    expect(filterSyntaxError('(cn~x)')).toBe('"cn" must be followed by =, ~=, >= or <=');
  });
});

describe('explainLdapError on TLS to a plain port', () => {
  it('says the port does not speak TLS when the server hangs up in the handshake', () => {
    const err = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), {
      code: 'ECONNRESET',
    });
    expect(explainLdapError(err, 'bind', { url: 'ldaps://dir.example.com:389' }).message).toBe(
      'TLS problem with dir.example.com:389: it does not speak TLS on this port (ldaps:// usually uses port 636; plain ldap:// uses 389).',
    );
  });
});
