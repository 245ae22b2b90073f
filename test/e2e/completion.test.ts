/**
 * Shell completion in real bash, zsh and fish: each script installed where the shell loads completions on demand
 * (so the first TAB completes), commands, flags, certificate names and flag values, all computed by the built CLI's
 * `__complete` from its command tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

let dir = '';
let env: Record<string, string> = {};
const script = (shell: string): string => {
  const r = spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

beforeAll(() => {
  dir = tempDir();
  // `kubecerts` on PATH, as after an install
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'kubecerts'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  mkdirSync(join(dir, 'pki'));
  env = { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir };
});

describe('bash (bash-completion loads completions/kubecerts on the first TAB)', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'bash', 'completions'), { recursive: true });
    writeFileSync(join(dir, 'bash', 'completions', 'kubecerts'), script('bash'));
  });
  /** Completes `line` as bash does on the first TAB: the default (-D) loader sources the file and returns 124, bash retries. */
  const complete = (line: string): { loader: number; words: string[] } => {
    const r = spawnSync(
      'bash',
      [
        '--norc', '--noprofile', '-c',
        `export BASH_COMPLETION_USER_DIR=${join(dir, 'bash')}
source /usr/share/bash-completion/bash_completion
read -ra COMP_WORDS <<< "$1"; [[ "$1" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="$1"; COMP_POINT=\${#1}
cur="\${COMP_WORDS[COMP_CWORD]}"; prev="\${COMP_WORDS[COMP_CWORD-1]}"
loader=$(complete -p -D | sed -E 's/.*-F ([^ ]+).*/\\1/')
$loader kubecerts "$cur" "$prev"; echo "loader=$?"
fn=$(complete -p kubecerts | sed -E 's/.*-F ([^ ]+).*/\\1/')
$fn kubecerts "$cur" "$prev"; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash', line,
      ],
      { encoding: 'utf8', env, cwd: dir },
    );
    const out = lines(r.stdout);
    return { loader: Number(out[0]?.replace('loader=', '')), words: out.slice(1) };
  };

  it('commands on the first TAB after install', () => {
    const r = complete('kubecerts ');
    expect(r.loader).toBe(124);
    expect(r.words).toEqual(['init', 'certs', 'kubeconfig', 'control-plane', 'kubelet', 'agent', 'fleet', 'ca', 'completion']);
  });
  it('subcommands, flags and certificate names', () => {
    expect(complete('kubecerts certs re').words).toEqual(['renew']);
    expect(complete('kubecerts certs renew etcd-').words).toEqual(['etcd-healthcheck-client', 'etcd-peer', 'etcd-server']);
    expect(complete('kubecerts certs check-expiration --fail').words).toEqual(['--fail-within']);
    expect(complete('kubecerts init phase certs front').words).toEqual(['front-proxy-ca', 'front-proxy-client']);
  });
  it('flag values: -o formats, encryption algorithms, folders', () => {
    expect(complete('kubecerts certs check-expiration -o ').words).toEqual(['text', 'json', 'yaml', 'wide', 'prometheus']);
    expect(complete('kubecerts certs renew all --encryption-algorithm ECDSA').words).toEqual(['ECDSA-P256', 'ECDSA-P384']);
    expect(complete('kubecerts init --cert-dir pk').words).toEqual(['pki']);
  });
});

describe('zsh (the _kubecerts file autoloaded from $fpath completes on its first call)', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'zsh'));
    writeFileSync(join(dir, 'zsh', '_kubecerts'), script('zsh'));
  });
  /** Runs the autoloaded function with compadd and _files recording what they are given. */
  const complete = (...words: string[]): string[] => {
    const r = spawnSync(
      'zsh',
      ['-f', '-c', `compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_files() { print -- _files "$@"; }
fpath=(${join(dir, 'zsh')} $fpath); autoload -Uz _kubecerts
words=("$@"); CURRENT=$#
_kubecerts`, 'zsh', 'kubecerts', ...words],
      { encoding: 'utf8', env, cwd: dir },
    );
    expect(r.stderr).toBe('');
    return lines(r.stdout);
  };

  it('commands, certificate names and flag values', () => {
    expect(complete('')).toEqual(['init', 'certs', 'kubeconfig', 'control-plane', 'kubelet', 'agent', 'fleet', 'ca', 'completion']);
    expect(complete('certs', 'renew', 'etcd-')).toEqual(['etcd-healthcheck-client', 'etcd-peer', 'etcd-server']);
    expect(complete('certs', 'check-expiration', '-o', '')).toEqual(['text', 'json', 'yaml', 'wide', 'prometheus']);
    expect(complete('init', '--encryption-algorithm=RSA-4')).toEqual(['--encryption-algorithm=RSA-4096']);
    expect(complete('kubeconfig', 'user', '--from-file', '')).toEqual(['_files']);
    expect(complete('init', '--kubeconfig-dir', '')).toEqual(['_files -/']);
  });
  it('an interactive zsh with compinit completes on the first TAB (driven through a pseudo-terminal by zsh/zpty)', () => {
    // types a line and a TAB, reads what the terminal shows until the expected completion appears (or the time is up),
    // then Ctrl-C, so nothing runs
    const driver = join(dir, 'drive.zsh');
    writeFileSync(
      driver,
      `zmodload zsh/zpty
zpty -b z 'env PATH=${env['PATH']} HOME=${dir} TERM=dumb zsh -f -i'
zpty -w z 'PS1="P> "; fpath=(${join(dir, 'zsh')} $fpath); autoload -Uz compinit; compinit -u -D'
zpty -r z setup '*compinit -u -D*P> *'
zpty -w -n z "$1"$'\\t'
zpty -r z out "*$2*"
print -r -- "$out"
zpty -w -n z $'\\x03'
zpty -d z
`,
    );
    const typed = (line: string, expected: string): string =>
      spawnSync('zsh', ['-f', driver, line, expected], { encoding: 'utf8', env, timeout: 30_000 }).stdout.replace(/\r|\x1b\[[0-9;?]*[a-zA-Z]/g, '');
    expect(typed('kubecerts certs renew etcd-s', 'etcd-server ')).toMatch(/^kubecerts certs renew etcd-server \n$/);
    expect(typed('kubecerts certs check-expiration -o prom', 'prometheus ')).toMatch(/^kubecerts certs check-expiration -o prometheus \n$/);
  });

  it('sourced, it registers itself with compdef', () => {
    const r = spawnSync('zsh', ['-f', '-c', `compdef() { print "compdef $*"; }; source ${join(dir, 'zsh', '_kubecerts')}`], { encoding: 'utf8', env });
    expect(r.stdout).toBe('compdef _kubecerts kubecerts\n');
  });
});

describe('fish (completions/kubecerts.fish autoloaded on the first TAB)', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'fish'));
    writeFileSync(join(dir, 'fish', 'kubecerts.fish'), script('fish'));
  });
  /** fish's own completion engine (`complete -C`), with the file on fish_complete_path. */
  const complete = (line: string): string[] => {
    const r = spawnSync('fish', ['--no-config', '-c', `set fish_complete_path ${join(dir, 'fish')} $fish_complete_path; complete -C $argv[1]`, line], { encoding: 'utf8', env, cwd: dir });
    expect(r.stderr).toBe('');
    return lines(r.stdout);
  };

  it('commands, certificate names and flag values', () => {
    expect(complete('kubecerts ')).toEqual(['agent', 'ca', 'certs', 'completion', 'control-plane', 'fleet', 'init', 'kubeconfig', 'kubelet']);
    expect(complete('kubecerts certs renew etcd-')).toEqual(['etcd-healthcheck-client', 'etcd-peer', 'etcd-server']);
    expect(complete('kubecerts certs check-expiration -o ')).toEqual(['json', 'prometheus', 'text', 'wide', 'yaml']);
    expect(complete('kubecerts init --encryption-algorithm=ECDSA')).toEqual(['--encryption-algorithm=ECDSA-P256', '--encryption-algorithm=ECDSA-P384']);
    expect(complete('kubecerts init --cert-dir pk')).toEqual(['pki/\tDirectory']);
  });
});
