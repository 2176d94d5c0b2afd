import { describe, expect, it } from 'vitest';
import { configWarnings, loadConfig } from './config.ts';

describe('configWarnings', () => {
  it('warns at start that mail links follow the request address when no public URL is set', () => {
    expect(configWarnings(loadConfig({}))).toEqual([expect.stringMatching(/^KDESK_PUBLIC_URL is not set: links in mail/)]);
    expect(configWarnings(loadConfig({ KDESK_PUBLIC_URL: 'https://help.example.com/' }))).toEqual([]);
  });
});

describe('KDESK_ALLOW_PRIVATE_ISSUERS', () => {
  it('is off unless set', () => {
    expect(loadConfig({}).allowPrivateIssuers).toBe(false);
    expect(loadConfig({ KDESK_ALLOW_PRIVATE_ISSUERS: 'true' }).allowPrivateIssuers).toBe(true);
  });
});
