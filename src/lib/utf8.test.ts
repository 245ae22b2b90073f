import { describe, expect, it } from 'vitest';
import { decodeUtf8, invalidUtf8Line } from './utf8.js';

describe('strict UTF-8', () => {
  it('decodes valid text, CJK and a BOM unchanged', () => {
    const text = '\uFEFFname: 日本\ntoken: tökén\n';
    expect(decodeUtf8(Buffer.from(text, 'utf8'), (w) => new Error(w))).toBe(text);
  });

  it.each([
    [[0x61, 0x0a, 0xff, 0x0a], 2],
    [[0xc0, 0xaf], 1],
    [[0x0a, 0x0a, 0xed, 0xa0, 0x80], 3],
    [[0x61, 0xe6, 0x97], 1],
  ])('reports the line of an invalid sequence %j', (bytes, line) => {
    expect(invalidUtf8Line(Buffer.from(bytes))).toBe(line);
    expect(() => decodeUtf8(Buffer.from(bytes), (w) => new Error(w))).toThrow(`invalid UTF-8 on line ${line}`);
  });

  it('finds no invalid line in valid text', () => {
    expect(invalidUtf8Line(Buffer.from('a\nb\n日本\n'))).toBeUndefined();
  });
});
