/** `kubeconfig user`: kubeadm's output on stdout, plus --out, batch --out-dir, and no config file needed. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { RunConfig } from '../../config/types.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { errnoText, PkiError, UsageError } from '../../errors.js';
import { decodeUtf8 } from '../../utf8.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { beginWrite } from '../../pki/write-session.js';
import { removeOrphanTemps } from '../../pki/journal.js';
import { dirname, basename } from 'node:path';
import { buildKubeconfig, currentEntries, parseKubeconfig, serializeKubeconfig } from '../../kubeconfig/codec.js';
import { controlPlaneEndpoint } from '../../kubeconfig/endpoint.js';
import { parseUsersFile, type UserEntry } from '../../kubeconfig/users-file.js';
import { Warner } from '../../pki/authority.js';
import { loadCa, type LoadedCa } from '../../pki/ca-store.js';
import { encodePrivateKey, generateKey } from '../../pki/keys.js';
import { findCa } from '../../pki/specs.js';
import { readSmallFile, validity } from '../../pki/store.js';
import { caAnchoredWindow, randomSerialHex } from '../../pki/validity.js';
import { Workspace } from '../../pki/workspace.js';
import { signCertificate } from '../../pki/x509.js';
import { runConfigFrom } from '../config-flags.js';
import { line, warnExposedStdout, type Io } from '../io.js';

const DEFAULT_VALIDITY_MS = 8760 * 3_600_000;
/** Users one run issues at most: each needs a key pair, and the batch is committed at once (documented in README). */
export const MAX_USERS = 10_000;
type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface Target {
  readonly server: string;
  readonly clusterName: string;
}

/** Server and cluster name: flags, else the config file, else admin.conf, else an error asking for --server. */
function resolveTarget(opts: Opts, cfg: RunConfig, warn: (l: string) => void): Target {
  const fromConfig = typeof opts['config'] === 'string';
  let server = str(opts['server']);
  let clusterName = str(opts['clusterName']) ?? (fromConfig ? cfg.clusterName : undefined);
  if (server === undefined && fromConfig) server = controlPlaneEndpoint(cfg, warn);
  if (server === undefined || clusterName === undefined) {
    const admin = join(cfg.kubeconfigDir, 'admin.conf');
    if (existsSync(admin)) {
      const cur = currentEntries(parseKubeconfig(readSmallFile(admin), admin), admin);
      server ??= typeof cur.cluster['server'] === 'string' ? cur.cluster['server'] : undefined;
      clusterName ??= cur.clusterName;
    }
  }
  if (server === undefined) {
    throw new UsageError(`cannot tell the API server URL: pass --server https://HOST:6443, or --config, or --kubeconfig-dir where admin.conf is (looked for ${join(cfg.kubeconfigDir, 'admin.conf')})`);
  }
  if (!/^https?:\/\/[^\s/]+/.test(server)) throw new UsageError(`invalid --server "${server}": expected a URL such as https://10.0.0.1:6443`);
  return { server, clusterName: clusterName ?? 'kubernetes' };
}

function parseValidity(opts: Opts): number {
  const v = str(opts['validityPeriod']);
  if (v === undefined) return DEFAULT_VALIDITY_MS;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid --validity-period "${v}": use a positive duration such as 24h, 8760h or 30d`);
  return ms;
}

function checkName(name: string, batch: boolean): void {
  if (name.trim() === '') throw new UsageError('--client-name must not be empty');
  if (batch && (name.includes('/') || name.startsWith('.') || name.includes('\0'))) {
    throw new UsageError(`client name "${name}" cannot be a file name in --out-dir (no "/", no leading ".")`);
  }
}

function checkOrgs(orgs: readonly string[], allowMasters: boolean): void {
  if (orgs.includes('system:masters') && !allowMasters) {
    throw new UsageError(
      'refusing --org system:masters: that group bypasses RBAC and cannot be revoked short of rotating the CA (kubeadm warns against sharing admin.conf for this reason)',
      { hint: 'bind a ClusterRole to a group of your own instead, or pass --allow-system-masters if you really mean it' },
    );
  }
}

export default async function kubeconfigUser(_args: unknown[], opts: Opts, io: Io): Promise<void> {
  const names = (opts['clientName'] as string[] | undefined) ?? [];
  const fromFile = str(opts['fromFile']);
  const outDir = str(opts['outDir']);
  const outFile = str(opts['out']);
  const orgs = (opts['org'] as string[] | undefined) ?? [];
  const token = str(opts['token']);
  const allowMasters = opts['allowSystemMasters'] === true;
  const batch = fromFile !== undefined || names.length > 1 || outDir !== undefined;
  if (names.length === 0 && fromFile === undefined) throw new UsageError('required flag(s) "client-name" not set');
  if (batch && outDir === undefined) throw new UsageError('several users need --out-dir (one kubeconfig file per user)');
  if (outFile !== undefined && outDir !== undefined) throw new UsageError('--out and --out-dir cannot be used together');
  if (batch && token !== undefined) throw new UsageError('--token is for a single user');
  const validityMs = parseValidity(opts);
  const warn = line(io.stderr);

  let users: UserEntry[] = names.map((name) => ({ name, orgs, line: 0 }));
  if (fromFile !== undefined) {
    let buf: Buffer;
    try {
      buf = readFileSync(fromFile);
    } catch (err) {
      throw new UsageError(`cannot read users file "${fromFile}": ${errnoText(err)}`);
    }
    const text = decodeUtf8(buf, (why) => new UsageError(`invalid users file "${fromFile}": ${why}`));
    users = [...users, ...parseUsersFile(text, fromFile)];
  }
  if (users.length > MAX_USERS) {
    throw new UsageError(`too many users (${users.length}): one run issues at most ${MAX_USERS} kubeconfigs; split the users file`);
  }
  // the same name twice would write one file and silently drop the other entry's groups
  const firstAt = new Map<string, UserEntry>();
  for (const u of users) {
    const prev = firstAt.get(u.name);
    if (prev) {
      const where = (x: UserEntry): string => (x.line === 0 ? '--client-name' : `${fromFile}:${x.line}`);
      throw new UsageError(`duplicate user name "${u.name}" (${where(prev)} and ${where(u)}): each user gets one kubeconfig`);
    }
    firstAt.set(u.name, u);
  }
  for (const u of users) {
    try {
      checkName(u.name, batch);
      checkOrgs(u.orgs, allowMasters);
    } catch (err) {
      // entries of --from-file are reported with their place in the file
      if (u.line === 0 || !(err instanceof UsageError)) throw err;
      throw new UsageError(`invalid users file entry at ${fromFile}:${u.line}: ${err.message}`, err.hint === undefined ? {} : { hint: err.hint });
    }
  }

  const cfg = runConfigFrom(opts);
  const target = resolveTarget(opts, cfg, warn);
  const ws = new Workspace();
  let ca: LoadedCa;
  try {
    ca = loadCa(ws, cfg.certificatesDir, findCa('ca'));
    if (!ca.key) throw new PkiError('CA_KEY_MISSING', `couldn't load the private key file ${join(cfg.certificatesDir, 'ca.key')}: open ${join(cfg.certificatesDir, 'ca.key')}: no such file or directory`);
  } catch (err) {
    throw new PkiError('CA_LOAD', `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(err as Error).message}`, { cause: err });
  }
  const caKey: KeyObject = ca.key;
  const start = io.now();
  new Warner(warn).checkPeriod('CA', ca.cert.cert, start);
  for (const v of new Set(users.map((u) => u.validityMs ?? validityMs))) {
    if (v > DEFAULT_VALIDITY_MS) {
      warn(`WARNING: the specified certificate validity period ${formatDuration(v)} is longer than the default duration 8760h0m0s, this may increase security risks.`);
    }
  }
  const caNotBefore = validity(ca.cert.cert).notBefore;

  const destination = (u: UserEntry): string | undefined => (outDir !== undefined ? join(outDir, `${u.name}.conf`) : outFile);
  // a batch holds the out-dir's lock and journal: a run killed in its renames is completed by the next one
  const journal = outDir === undefined ? undefined : { path: join(outDir, '.kubecerts-journal.json'), roots: [outDir] };
  const release = journal === undefined || outDir === undefined
    ? () => undefined
    : beginWrite({ lockDir: outDir, journal, tempDirs: [outDir], what: 'kubeconfig batch', notice: warn, lockDirMode: 0o700 });
  try {
    if (outFile !== undefined) removeOrphanTemps([dirname(outFile)], (n) => n.startsWith(`.${basename(outFile)}.kubecerts-`));
    if (opts['force'] !== true) {
      for (const u of users) {
        const d = destination(u);
        if (d !== undefined && existsSync(d)) throw new UsageError(`"${d}" already exists; pass --force to overwrite it`);
      }
    }
    await issue();
  } finally {
    release();
  }

  async function issue(): Promise<void> {
    const progress = batch && io.stderr.isTTY === true ? new Progress(io, users.length) : undefined;
    const t0 = Date.now();
    const render = async (u: UserEntry): Promise<string> => {
      let kc;
      if (token !== undefined) {
        kc = buildKubeconfig({ clusterName: target.clusterName, server: target.server, caPem: ca.cert.pem, userName: u.name, token });
      } else {
        const key = await generateKey(cfg.encryptionAlgorithm);
        const certPem = await signCertificate({
          subject: { cn: u.name, orgs: u.orgs }, dns: [], ips: [], usages: ['clientAuth'], isCA: false, key,
          signer: { certPem: ca.cert.pem, key: caKey }, ...caAnchoredWindow(start, caNotBefore, u.validityMs ?? validityMs), serialHex: randomSerialHex(),
        });
        kc = buildKubeconfig({ clusterName: target.clusterName, server: target.server, caPem: ca.cert.pem, userName: u.name, clientCertPem: certPem, clientKeyPem: encodePrivateKey(key) });
      }
      progress?.tick();
      return serializeKubeconfig(kc);
    };

    if (!batch) {
      const yamlText = await render(users[0] as UserEntry);
      if (outFile === undefined) {
        warnExposedStdout(io, warn, 'this kubeconfig holds a private key');
        io.stdout.write(`${yamlText}\n`);
        return;
      }
      writeFileAtomic(outFile, yamlText, { mode: 0o600, secret: true });
      warn(`wrote ${outFile}`);
      return;
    }
    const texts = await Promise.all(users.map(render));
    users.forEach((u, i) => ws.write(destination(u) as string, texts[i] as string, 0o600, 0o700));
    ws.commit(journal);
    progress?.done();
    warn(`wrote ${users.length} kubeconfig file(s) to ${outDir} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

class Progress {
  private n = 0;
  constructor(private readonly io: Io, private readonly total: number) {}
  tick(): void {
    this.n++;
    if (this.n % Math.max(1, Math.floor(this.total / 50)) !== 0 && this.n !== this.total) return;
    const width = 30;
    const filled = Math.round((this.n / this.total) * width);
    this.io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.n}/${this.total}`);
  }
  done(): void {
    this.io.stderr.write('\n');
  }
}
