import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, hasCode, KubecertsError, LockedError, PkiError, UsageError } from './errors.js';
import { incompatibleFlags, invalidFlag, missingFlag, requiresFlag, unknownCommand } from './cli/usage-errors.js';

describe('typed errors', () => {
  it('wrap keeps the cause, prefixes the context and raises the class it is called on', () => {
    const inner = new ConfigError('BAD_CIDR', 'unable to get internal Kubernetes Service IP', { hint: 'fix the CIDR' });
    const outer = PkiError.wrap(inner, 'CA_LOAD', "couldn't load CA certificate ca");
    expect(outer).toBeInstanceOf(PkiError);
    expect(outer.name).toBe('PkiError');
    expect(outer.code).toBe('CA_LOAD');
    expect(outer.message).toBe("couldn't load CA certificate ca: unable to get internal Kubernetes Service IP");
    expect(outer.cause).toBe(inner);
    expect(outer.hint).toBeUndefined();
    expect(outer.exitCode).toBe(ExitCode.failed);
    expect(PkiError.wrap(inner, 'CA_LOAD', 'x', { hint: 'h' }).hint).toBe('h');
  });

  it('hasCode finds a code anywhere in the cause chain, and only codes that are there', () => {
    const root = new PkiError('CA_MISSING', "couldn't load ca certificate authority from /pki");
    const chain = PkiError.wrap(PkiError.wrap(root, 'CA_LOAD', 'a'), 'RENEW_READ', 'b');
    expect(chain.message).toBe("b: a: couldn't load ca certificate authority from /pki");
    expect(hasCode(chain, 'CA_MISSING')).toBe(true);
    expect(hasCode(chain, 'RENEW_READ')).toBe(true);
    expect(hasCode(chain, 'KEY_TYPE')).toBe(false);
    expect(hasCode(new Error('plain', { cause: root }), 'CA_MISSING')).toBe(true);
    expect(hasCode('CA_MISSING', 'CA_MISSING')).toBe(false);
  });

  it('wraps errors that are not KubecertsErrors (errno errors, strings)', () => {
    const errno = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), { code: 'ENOENT' });
    expect(PkiError.wrap(errno, 'READ', 'ctx').message).toBe("ctx: ENOENT: no such file or directory, open '/x'");
    expect(PkiError.wrap('odd', 'READ', 'ctx').message).toBe('ctx: odd');
  });

  it('maps classes to their exit codes', () => {
    expect(new UsageError('u').exitCode).toBe(ExitCode.usage);
    expect(new LockedError('l').exitCode).toBe(ExitCode.locked);
    expect(new PkiError('READ', 'r').exitCode).toBe(ExitCode.failed);
    expect(new UsageError('u')).toBeInstanceOf(KubecertsError);
  });
});

describe('usage errors (cli/usage-errors.ts)', () => {
  it('word each kind of misuse one way, with exit code 2', () => {
    const cases: [UsageError, string][] = [
      [missingFlag('client-name'), 'required flag(s) "client-name" not set'],
      [missingFlag('--client-name'), 'required flag(s) "client-name" not set'],
      [incompatibleFlags('out', 'out-dir'), '--out and --out-dir cannot be used together'],
      [requiresFlag('csr-dir', '--csr-only'), '--csr-dir needs --csr-only'],
      [invalidFlag('--fail-within', 'soon', 'use a duration such as 720h or 30d'), 'invalid --fail-within "soon": use a duration such as 720h or 30d'],
      [unknownCommand('x', 'kubecerts certs renew', ['all', 'admin.conf']), 'unknown command "x" for "kubecerts certs renew"'],
    ];
    expect(unknownCommand('x', 'kubecerts certs renew', ['all', 'admin.conf']).hint).toBe('valid names: all, admin.conf');
    expect(unknownCommand('x', 'kubecerts certs').hint).toBeUndefined();
    for (const [err, text] of cases) {
      expect(err.message).toBe(text);
      expect(err.code).toBe('USAGE');
      expect(err.exitCode).toBe(ExitCode.usage);
    }
  });
});
