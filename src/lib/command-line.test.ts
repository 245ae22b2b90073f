import { describe, expect, it } from 'vitest';
import { flagsText, kubecertsCommand, shellWord } from './command-line.js';

describe('suggested command lines', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellWord('/etc/kubernetes/pki')).toBe('/etc/kubernetes/pki');
    expect(shellWord('https://10.0.0.1:6443,https://[::1]:2379')).toBe(`'https://10.0.0.1:6443,https://[::1]:2379'`);
    expect(shellWord('a@b%c+d=e:f,g.h/i-j_k')).toBe('a@b%c+d=e:f,g.h/i-j_k');
    expect(shellWord('/tmp/with space')).toBe(`'/tmp/with space'`);
    expect(shellWord("/tmp/it's")).toBe(`'/tmp/it'\\''s'`);
    expect(shellWord('$HOME')).toBe(`'$HOME'`);
    expect(shellWord('')).toBe(`''`);
  });

  it('renders flags with a space before each and values quoted; flags without a value as given', () => {
    expect(flagsText([])).toBe('');
    expect(flagsText([['--cert-dir', '/a b'], ['--in-cluster=apply']])).toBe(` --cert-dir '/a b' --in-cluster=apply`);
  });

  it('renders a kubecerts command from its words and flags', () => {
    expect(kubecertsCommand(['control-plane', 'restart', 'all'])).toBe('kubecerts control-plane restart all');
    expect(kubecertsCommand(['ca', 'rotate', 'status'], [['--manifests-dir', "/m's"], ['--holding-dir', '/h']])).toBe(`kubecerts ca rotate status --manifests-dir '/m'\\''s' --holding-dir /h`);
  });
});
