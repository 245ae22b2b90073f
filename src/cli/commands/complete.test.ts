import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Io } from '../io.js';
import { createProgram } from '../program.js';
import { candidates, DIRS, FILES } from '../completion-candidates.js';

const io: Io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, now: () => new Date(0) };

describe('completion candidates from the command tree', () => {
  it('offers subcommands, then argument words, then flag values', () => {
    const p = createProgram(io);
    expect(candidates(p, [''])).toEqual(['init', 'certs', 'kubeconfig', 'control-plane', 'kubelet', 'agent', 'fleet', 'ca', 'completion']);
    expect(candidates(p, ['certs', 'renew', 'a'])).toEqual(['all', 'admin.conf', 'apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client']);
    expect(candidates(p, ['certs', 'check-expiration', '--output', 'p'])).toEqual(['prometheus']);
    expect(candidates(p, ['certs', 'check-expiration', '-o=j'])).toEqual([]);
    expect(candidates(p, ['certs', 'check-expiration', '--output=j'])).toEqual(['--output=json']);
    expect(candidates(p, ['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(candidates(p, ['kubeconfig', 'user', '--out', ''])).toEqual([FILES]);
    expect(candidates(p, ['certs', 'renew', 'all', '--backup-dir', 'x'])).toEqual([DIRS]);
  });

  it('skips flag values and counts positional arguments', () => {
    const p = createProgram(io);
    // `--cert-dir renew` is a value, not the command; after the name no more names are offered
    expect(candidates(p, ['certs', 'renew', '--cert-dir', 'all', 'ap'])).toEqual(['apiserver', 'apiserver-etcd-client', 'apiserver-kubelet-client']);
    expect(candidates(p, ['certs', 'renew', 'all', 'ap'])).toEqual([]);
    expect(candidates(p, ['certs', 'renew', '--dry-run', 'sch'])).toEqual(['scheduler.conf']);
  });

  it('sees flags, aliases and commands added to the tree later, without a change to completion', () => {
    const p = createProgram(io);
    p.addOption(new Option('--host-root <dir>', 'root of the host'));
    p.addOption(new Option('--log-level <level>', 'log level').choices(['0', '1', '2']));
    p.commands.find((c) => c.name() === 'kubeconfig')!.alias('kc');
    p.addCommand(new Command('watch').addOption(new Option('--interval <duration>', 'how often')));
    expect(candidates(p, ['--host-r'])).toEqual(['--host-root']);
    expect(candidates(p, ['--host-root', ''])).toEqual([DIRS]);
    expect(candidates(p, ['--host-root', '/host', '--log-level', ''])).toEqual(['0', '1', '2']);
    expect(candidates(p, ['--host-root', '/host', 'certificates', 'ch'])).toEqual(['check-expiration']);
    expect(candidates(p, ['kc', 'us'])).toEqual(['user']);
    // the global flags of the program itself
    expect(candidates(p, ['--ro'])).toEqual(['--rootfs']);
    expect(candidates(p, ['--rootfs', ''])).toEqual([DIRS]);
    expect(candidates(p, ['wa'])).toEqual(['watch']);
    expect(candidates(p, ['watch', '--'])).toEqual(['--interval', '--help']);
  });
});
