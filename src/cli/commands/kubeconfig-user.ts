/** `kubeconfig user`: kubeadm's output on stdout, plus --out, batch --out-dir, and no config file needed. */
import { readRegularFile } from '../../store/node-host.js';
import { errnoText, UsageError } from '../../errors.js';
import { parseUsersFile, type UserEntry } from '../../kubeconfig/users-file.js';
import { durationError, parseDuration } from '../../lib/duration.js';
import { decodeUtf8 } from '../../lib/utf8.js';
import { checkUsers, DEFAULT_VALIDITY_MS, issueUserKubeconfigs, resolveTarget } from '../../ops/kubeconfig-user.js';
import { textWarner } from '../../output/events-text.js';
import { ProgressBar } from '../../output/progress.js';
import { textNotice } from '../../output/write-text.js';
import { runConfigFrom } from '../config-flags.js';
import { line, warnExposedStdout, type Io } from '../io.js';
import { incompatibleFlags, invalidArgument, invalidFlag, missingFlag } from '../usage-errors.js';

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The users of --client-name and --from-file (read as strict UTF-8; a read error is a usage error). */
function readUsers(names: readonly string[], orgs: readonly string[], fromFile: string | undefined): UserEntry[] {
  const users: UserEntry[] = names.map((name) => ({ name, orgs, line: 0 }));
  if (fromFile === undefined) return users;
  let buf: Buffer;
  try {
    // a regular file only, read without blocking; the bound lets a long list reach the user-count check
    buf = readRegularFile(fromFile, 64 << 20);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot read users file "${fromFile}": ${e.code === 'ENOTREG' || e.code === 'EFBIG' ? e.message : errnoText(err)}`);
  }
  return [...users, ...parseUsersFile(decodeUtf8(buf, (why) => new UsageError(`invalid users file "${fromFile}": ${why}`)), fromFile)];
}

export default async function kubeconfigUser(_args: unknown[], opts: Opts, io: Io): Promise<void> {
  const names = (opts['clientName'] as string[] | undefined) ?? [];
  const [fromFile, outDir, outFile, token, v] = ['fromFile', 'outDir', 'out', 'token', 'validityPeriod'].map((k) => str(opts[k]));
  const batch = fromFile !== undefined || names.length > 1 || outDir !== undefined;
  if (names.length === 0 && fromFile === undefined) throw missingFlag('client-name');
  if (batch && outDir === undefined) throw new UsageError('several users need --out-dir (one kubeconfig file per user)');
  if (outFile !== undefined && outDir !== undefined) throw incompatibleFlags('out', 'out-dir');
  if (batch && token !== undefined) throw new UsageError('--token is for a single user');
  const validityMs = v === undefined ? DEFAULT_VALIDITY_MS : parseDuration(v);
  // kubeadm's --validity-period is a pflag Duration: Go's parse error in pflag's wording
  if (validityMs === undefined) throw invalidArgument('validity-period', v ?? '', durationError(v ?? '') ?? 'invalid duration');
  if (validityMs <= 0) throw invalidFlag('validity-period', v ?? '', 'use a positive duration such as 24h, 8760h or 30d');
  const warn = line(io.stderr);
  const users = readUsers(names, (opts['org'] as string[] | undefined) ?? [], fromFile);
  checkUsers(users, { batch, allowMasters: opts['allowSystemMasters'] === true, fromFile });
  const cfg = runConfigFrom(opts);
  const warner = textWarner(warn);
  const target = resolveTarget({ server: str(opts['server']), clusterName: str(opts['clusterName']), fromConfig: typeof opts['config'] === 'string' }, cfg, warner);
  const progress = batch && io.stderr.isTTY === true ? new ProgressBar((s) => io.stderr.write(s), users.length) : undefined;
  const t0 = io.now().getTime();
  const r = await issueUserKubeconfigs({
    cfg, target, users, batch, validityMs, token, outDir, outFile, force: opts['force'] === true, start: io.now(), warner, notice: textNotice(warn), ...(progress ? { tick: () => progress.tick() } : {}),
  });
  if (r.kind === 'stdout') {
    warnExposedStdout(io, warn, 'this kubeconfig holds a private key');
    io.stdout.write(`${r.text}\n`);
  } else if (!batch) warn(`wrote ${outFile}`);
  else {
    progress?.done();
    warn(`wrote ${users.length} kubeconfig file(s) to ${outDir} in ${((io.now().getTime() - t0) / 1000).toFixed(1)}s`);
  }
}
