import { describe, expect, it } from 'vitest';
import { octalMode, writableByWhom } from './file-mode.js';

describe('writableByWhom', () => {
  it('names every writer besides the owner', () => {
    expect(writableByWhom(0o700)).toBeUndefined();
    expect(writableByWhom(0o755)).toBeUndefined();
    expect(writableByWhom(0o770)).toBe('its group');
    expect(writableByWhom(0o702)).toBe('others');
    expect(writableByWhom(0o777)).toBe('its group and others');
    expect(writableByWhom(0o1777)).toBe('its group and others');
  });
  it('prints four octal digits', () => {
    expect(octalMode(0o40755)).toBe('0755');
    expect(octalMode(0o1777)).toBe('1777');
    expect(octalMode(0o600)).toBe('0600');
  });
});
