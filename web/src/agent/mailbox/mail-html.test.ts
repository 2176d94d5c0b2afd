import { describe, expect, it } from 'vitest';
import { linkify, mailSrcDoc } from './mail-html.ts';

describe('mailSrcDoc', () => {
  it('puts the no-script policy and the new-tab base first in the head', () => {
    const doc = mailSrcDoc('<!doctype html><html><head><title>x</title></head><body><a href="https://a.example">a</a></body></html>');
    const head = doc.slice(doc.indexOf('<head>') + 6);
    expect(head.startsWith('<meta charset="utf-8"><meta http-equiv="Content-Security-Policy"')).toBe(true);
    expect(doc).toContain("script-src 'none'");
    expect(doc).toContain('<base target="_blank">');
    expect(doc.indexOf('<base')).toBeLessThan(doc.indexOf('<title>'));
  });
  it('wraps a fragment in a document with the guard', () => {
    const doc = mailSrcDoc('<p>Hello</p>');
    expect(doc).toMatch(/^<!doctype html><html><head><meta charset="utf-8">.*<\/head><body><p>Hello<\/p><\/body><\/html>$/);
  });
  it('adds a head when the mail has only <html>', () => {
    expect(mailSrcDoc('<html lang="en"><body>x</body></html>')).toMatch(/^<html lang="en"><head><meta charset/);
  });
});

describe('linkify', () => {
  it('finds http(s) links and leaves closing punctuation outside', () => {
    expect(linkify('Open https://kdesk.example/portal/acme/c/abc. Thanks')).toEqual([
      { text: 'Open ' },
      { href: 'https://kdesk.example/portal/acme/c/abc' },
      { text: '. Thanks' },
    ]);
  });
  it('never turns other schemes into links', () => {
    expect(linkify('javascript:alert(1) and mailto:a@b.c')).toEqual([{ text: 'javascript:alert(1) and mailto:a@b.c' }]);
  });
});
