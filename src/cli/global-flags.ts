/**
 * kubeadm's global flags, accepted anywhere on the command line as kubeadm (cobra persistent flags) accepts them:
 * `-v N` / `--v=N` (klog verbosity; 5 and up prints stack traces, as kubeadm's "execute with --v=5 or higher") and
 * `--rootfs PATH` (kubeadm chroots into PATH; kubecerts, which cannot chroot from Node, resolves every file path it
 * is given or defaults to inside PATH instead: see hostPath).
 */
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { errnoText, KubecertsError, UsageError } from '../errors.js';

import type { GlobalFlags } from '../store/rootfs.js';

/**
 * Removes the global flags from `argv` (up to a `--`) and returns them with the rest. Raises UsageError with
 * pflag's wording for a verbosity that is not an integer, or a flag without its value.
 */
export function extractGlobalFlags(argv: readonly string[]): { flags: GlobalFlags; rest: string[] } {
  let verbosity = 0;
  let rootfs: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      // a loop, not push(...argv.slice(i)): a spread of 100,000+ arguments overflows the stack
      for (let j = i; j < argv.length; j++) rest.push(argv[j] as string);
      break;
    }
    const v = /^(?:-v|--v)(?:=(.*))?$/.exec(a) ?? /^-v(\d+)$/.exec(a);
    const r = /^--rootfs(?:=(.*))?$/.exec(a);
    if (v) {
      const value = v[1] ?? argv[++i];
      if (value === undefined) throw new UsageError('flag needs an argument: -v');
      if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "-v, --v" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
      verbosity = Number(value);
    } else if (r) {
      const value = r[1] ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError('flag needs an argument: --rootfs');
      rootfs = resolve(value);
    } else {
      rest.push(a);
    }
  }
  return { flags: { verbosity, rootfs }, rest };
}

/**
 * Checks the folder given with --rootfs before any command runs: kubeadm's chroot fails on a path that does not
 * exist or is not a directory, and so does this (KubecertsError ROOTFS, exit 1), so a wrong mount path never
 * yields an all-missing report. Nothing is checked without --rootfs.
 */
export function checkRootfs(flags: GlobalFlags): void {
  if (flags.rootfs === undefined) return;
  let st;
  try {
    st = statSync(flags.rootfs);
  } catch (err) {
    throw new KubecertsError('ROOTFS', `unable to use --rootfs "${flags.rootfs}": ${errnoText(err)}`);
  }
  if (!st.isDirectory()) throw new KubecertsError('ROOTFS', `unable to use --rootfs "${flags.rootfs}": not a directory`);
}

import { hostPath, rootfsSet } from '../store/rootfs.js';
export { globalFlags, hostPath, pathOnHost, setGlobalFlags } from '../store/rootfs.js';

/** Options that name files or folders, rewritten by `withRootfs`. */
const PATH_OPTIONS = [
  'certDir', 'kubeconfigDir', 'config', 'csrDir', 'backupDir', 'outputFile', 'kubeletDir', 'out', 'outDir', 'fromFile', 'kubeconfig',
  'manifestsDir', 'holdingDir', 'from', 'kubeletConfig', 'csrs', 'nodes', 'textfileDir', 'stateDir', 'export', 'import',
];

/** A command's options with every file or folder option placed under --rootfs (unchanged without it). */
export function withRootfs(opts: Record<string, unknown>): Record<string, unknown> {
  if (!rootfsSet()) return opts;
  const out = { ...opts };
  // '-' (standard input) is not a path
  for (const k of PATH_OPTIONS) if (typeof out[k] === 'string' && out[k] !== '-') out[k] = hostPath(out[k] as string);
  const output = out['output'];
  if (typeof output === 'string') {
    const m = /^(=?(?:jsonpath-file|go-template-file|templatefile)=)(.+)$/.exec(output);
    if (m) out['output'] = `${m[1]}${hostPath(m[2] as string)}`;
  }
  return out;
}
