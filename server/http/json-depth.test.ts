import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.ts';

const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonTooDeep', () => {
  it('accepts JSON nested exactly to the limit and refuses one level more', () => {
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH))).toBeNull();
    expect(jsonTooDeep(nest(MAX_JSON_DEPTH + 1))).toEqual({ path: '0', message: `Nested deeper than ${MAX_JSON_DEPTH} levels` });
  });

  it('names the top-level field or element holding the deep value, under a prefix', () => {
    expect(jsonTooDeep(`{"firstName":"x","ph\\"ones":${nest(100)}}`)?.path).toBe('ph"ones');
    expect(jsonTooDeep(`[1,"a",${nest(100)}]`, 'ids')?.path).toBe('ids.2');
    expect(jsonTooDeep(nest(3), 'mapping', 2)?.path).toBe('mapping.0');
    expect(jsonTooDeep('[[', 'mapping', 1)?.path).toBe('mapping.0');
    expect(jsonTooDeep('{"a":', 'mapping', 0)?.path).toBe('mapping');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ note: '['.repeat(1000), tricky: 'say \\"[[[[', list: ['{{{{'] });
    expect(jsonTooDeep(text, '', 3)).toBeNull();
  });

  it('walks 100,000 levels without recursing', () => {
    expect(jsonTooDeep('{"a":'.repeat(100_000))?.path).toBe('a');
  });
});
