import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyring, parseSecretKey } from './keyring.ts';

const KEY = 'a'.repeat(64);

describe('keyring', () => {
  it('encrypts with a random IV, decrypts, and refuses another context or a changed value', () => {
    const k = createKeyring({ secretKey: KEY, dataDir: '/nonexistent' });
    const a = k.encrypt('client secret', 'sso:team-1:google');
    expect(a).not.toContain('client secret');
    expect(k.encrypt('client secret', 'sso:team-1:google')).not.toBe(a);
    expect(k.decrypt(a, 'sso:team-1:google')).toBe('client secret');
    expect(() => k.decrypt(a, 'sso:team-2:google')).toThrow();
    const parts = a.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => k.decrypt(parts.join('.'), 'sso:team-1:google')).toThrow();
    expect(() => createKeyring({ secretKey: 'b'.repeat(64), dataDir: '/x' }).decrypt(a, 'sso:team-1:google')).toThrow();
  });

  it('generates a key into the data dir once (mode 600) and reads the same key later', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kdesk-key-'));
    const one = createKeyring({ secretKey: null, dataDir: dir });
    const enc = one.encrypt('x', 'c');
    const file = path.join(dir, 'secret-key');
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(createKeyring({ secretKey: null, dataDir: dir }).decrypt(enc, 'c')).toBe('x');
    expect(one.hmac('portal-codes', 'r:ABC')).toBe(createKeyring({ secretKey: null, dataDir: dir }).hmac('portal-codes', 'r:ABC'));
  });

  it('explains a key of the wrong size', () => {
    expect(() => parseSecretKey('short', 'KDESK_SECRET_KEY')).toThrow(/32 random bytes/);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64'), 'x')).toHaveLength(32);
  });
});
