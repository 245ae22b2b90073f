/**
 * `kubeconfig user` as a use case: checks the users, loads the CA, issues one client certificate (or token
 * kubeconfig) per user through issue(), and writes them: one file atomically, or a batch under the out-dir's lock and
 * journal (the PKI's when the out-dir is a PKI folder). Returns the single kubeconfig's text when it goes to stdout; never prints (warnings go to `warn`).
 */
import type { KeyObject } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunConfig } from '../config/types.js';
import { hasCode, PkiError, UsageError } from '../errors.js';
import { buildKubeconfig, currentEntries, parseKubeconfig, serializeKubeconfig } from '../kubeconfig/codec.js';
import { controlPlaneEndpoint } from '../kubeconfig/endpoint.js';
import type { UserEntry } from '../kubeconfig/users-file.js';
import { validity } from '../pki/certificate.js';
import { issue } from '../pki/issue.js';
import { generateKey } from '../pki/keys.js';
import { localCaSigner } from '../pki/signer.js';
import { findCa } from '../pki/specs.js';
import { caAnchoredWindow } from '../pki/validity.js';
import { loadCa, type LoadedCa } from '../store/ca.js';
import { writeFileAtomic } from '../store/fs-atomic.js';
import { pkiJournal, removeOrphanTemps } from '../store/journal.js';
import { pathExists, readSmallFile } from '../store/pki-files.js';
import { Workspace } from '../store/workspace.js';
import { NO_HOLD, type Lock } from '../lib/lock.js';
import { beginWrite, type JournalRecovered, type WriteSession } from '../store/write-session.js';
import { realPath } from '../store/rootfs.js';
import type { Warner } from './events.js';

/** kubeadm's default client certificate lifetime (8760h). */
export const DEFAULT_VALIDITY_MS = 8760 * 3_600_000;
/** Users one run issues at most: each needs a key pair, and the batch is committed at once (documented in README). */
export const MAX_USERS = 10_000;

export interface Target {
  readonly server: string;
  readonly clusterName: string;
}

/**
 * Server and cluster name: the flags, else the config file (when one was given), else admin.conf in the kubeconfig
 * folder, else a usage error asking for --server. Throws UsageError for a server that is not a URL.
 */
export function resolveTarget(flags: { server?: string | undefined; clusterName?: string | undefined; fromConfig: boolean }, cfg: RunConfig, warner: Warner): Target {
  let server = flags.server;
  let clusterName = flags.clusterName ?? (flags.fromConfig ? cfg.clusterName : undefined);
  if (server === undefined && flags.fromConfig) server = controlPlaneEndpoint(cfg, (w) => warner.warn(w));
  if (server === undefined || clusterName === undefined) {
    const admin = join(cfg.kubeconfigDir, 'admin.conf');
    if (pathExists(admin)) {
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

/**
 * Refuses too many users, a name given twice, names that cannot be file names in a batch, and system:masters without
 * `allowMasters`; entries of the users file are reported with their line. Throws UsageError.
 */
export function checkUsers(users: readonly UserEntry[], o: { batch: boolean; allowMasters: boolean; fromFile: string | undefined }): void {
  if (users.length > MAX_USERS) {
    throw new UsageError(`too many users (${users.length}): one run issues at most ${MAX_USERS} kubeconfigs; split the users file`);
  }
  // the same name twice would write one file and silently drop the other entry's groups
  const firstAt = new Map<string, UserEntry>();
  for (const u of users) {
    const prev = firstAt.get(u.name);
    if (prev) {
      const where = (x: UserEntry): string => (x.line === 0 ? '--client-name' : `${o.fromFile}:${x.line}`);
      throw new UsageError(`duplicate user name "${u.name}" (${where(prev)} and ${where(u)}): each user gets one kubeconfig`);
    }
    firstAt.set(u.name, u);
  }
  for (const u of users) {
    try {
      checkName(u.name, o.batch);
      checkOrgs(u.orgs, o.allowMasters);
    } catch (err) {
      // entries of --from-file are reported with their place in the file
      if (u.line === 0 || !(err instanceof UsageError)) throw err;
      throw new UsageError(`invalid users file entry at ${o.fromFile}:${u.line}: ${err.message}`, err.hint === undefined ? {} : { hint: err.hint });
    }
  }
}

export interface UserKubeconfigOptions {
  readonly cfg: RunConfig;
  readonly target: Target;
  readonly users: readonly UserEntry[];
  readonly batch: boolean;
  /** lifetime of users without their own validity, ms */
  readonly validityMs: number;
  /** a bearer token instead of a client certificate (one user) */
  readonly token: string | undefined;
  readonly outDir: string | undefined;
  readonly outFile: string | undefined;
  readonly force: boolean;
  readonly start: Date;
  readonly warner: Warner;
  /** hears that the commit of an interrupted batch was completed before this one (output/write-text.ts renders it) */
  readonly notice: (event: JournalRecovered) => void;
  /** the lock a batch takes; default: the out-dir's pid file (the cert folder's when the out-dir is a PKI folder) */
  readonly lock?: Lock | undefined;
  /** called once per kubeconfig made */
  readonly tick?: () => void;
}

/** What was made: the kubeconfig text for stdout (one user, no --out), or the files written. */
export type UserKubeconfigResult = { readonly kind: 'stdout'; readonly text: string } | { readonly kind: 'written'; readonly files: readonly string[] };

function realOrResolved(p: string): string {
  try {
    return realPath(p);
  } catch {
    return resolve(p);
  }
}

/**
 * Where a batch into `outDir` takes its lock and journal. An out-dir that is one of the PKI's folders (the cert
 * folder, its etcd folder, the kubeconfig folder) is written like the PKI itself: under the cert folder's lock and
 * the PKI journal, so a batch and a renew, init, generate-csr, CA rotation or agent run never write there at once
 * (the second one stops with exit 4) and never complete or clean up each other's commit. Any other out-dir has its
 * own lock and journal.
 */
function batchSession(outDir: string, cfg: RunConfig): Pick<WriteSession, 'lockDir' | 'lockDirMode' | 'journal' | 'tempDirs'> {
  const pki = pkiJournal(cfg.certificatesDir, cfg.kubeconfigDir);
  const out = realOrResolved(outDir);
  if (pki.roots.some((r) => realOrResolved(r) === out)) return { lockDir: cfg.certificatesDir, journal: pki, tempDirs: pki.roots };
  return { lockDir: outDir, lockDirMode: 0o700, journal: { path: join(outDir, '.kubecerts-journal.json'), roots: [outDir] }, tempDirs: [outDir] };
}

/**
 * Issues the users' kubeconfigs signed by the cluster CA (kubeadm's kubeconfig user). Throws PkiError CA_LOAD when
 * the CA cannot be loaded, UsageError for an existing output without `force`, and what writing raises.
 */
export async function issueUserKubeconfigs(o: UserKubeconfigOptions): Promise<UserKubeconfigResult> {
  const { cfg, target, users, outDir, outFile } = o;
  const ws = new Workspace();
  // kubeadm's newCmdUserKubeConfig warns about the validity period before it loads the CA
  for (const v of new Set(users.map((u) => u.validityMs ?? o.validityMs))) {
    if (v > DEFAULT_VALIDITY_MS) o.warner.warn({ kind: 'validity-too-long', validityMs: v });
  }
  let ca: LoadedCa;
  try {
    try {
      ca = loadCa(ws, cfg.certificatesDir, findCa('ca'));
    } catch (err) {
      // kubeadm's TryLoadCertAndKeyFromDisk reads ca.crt first: with neither file, its error names ca.crt
      const crt = join(cfg.certificatesDir, 'ca.crt');
      if (hasCode(err, 'CA_MISSING')) throw new PkiError('CA_MISSING', `failed to load certificate: couldn't load the certificate file ${crt}: open ${crt}: no such file or directory`, { cause: err });
      throw err;
    }
    if (!ca.key) throw new PkiError('CA_KEY_MISSING', `failed to load key: couldn't load the private key file ${join(cfg.certificatesDir, 'ca.key')}: open ${join(cfg.certificatesDir, 'ca.key')}: no such file or directory`);
  } catch (err) {
    throw new PkiError('CA_LOAD', `couldn't create a kubeconfig; the CA files couldn't be loaded: ${(err as Error).message}`, { cause: err });
  }
  const caKey: KeyObject = ca.key;
  // kubeadm's WriteKubeConfigWithClientCert: CheckCertificatePeriodValidity(CACertAndKeyBaseName, ...), so "ca"
  o.warner.checkPeriod('ca', ca.cert.cert, o.start);
  const caNotBefore = validity(ca.cert.cert).notBefore;
  const signer = localCaSigner(ca.cert.pem, caKey);
  const destination = (u: UserEntry): string | undefined => (outDir !== undefined ? join(outDir, `${u.name}.conf`) : outFile);
  const render = async (u: UserEntry): Promise<string> => {
    const identity = { clusterName: target.clusterName, server: target.server, caPem: ca.cert.pem, userName: u.name };
    let kc;
    if (o.token !== undefined) kc = buildKubeconfig({ ...identity, token: o.token });
    else {
      const key = await generateKey(cfg.encryptionAlgorithm);
      const window = caAnchoredWindow(o.start, caNotBefore, u.validityMs ?? o.validityMs);
      const { certPem, keyPem } = await issue({ subject: { cn: u.name, orgs: u.orgs }, usages: ['clientAuth'], key, window }, signer);
      kc = buildKubeconfig({ ...identity, clientCertPem: certPem, clientKeyPem: keyPem });
    }
    o.tick?.();
    return serializeKubeconfig(kc);
  };
  // a batch holds the out-dir's lock and journal: a run killed in its renames is completed by the next one
  const session = outDir === undefined ? undefined : batchSession(outDir, cfg);
  const journal = session?.journal;
  const hold = session === undefined ? NO_HOLD : await beginWrite({ ...session, lock: o.lock, what: 'kubeconfig batch', notice: o.notice });
  try {
    if (outFile !== undefined) removeOrphanTemps([dirname(outFile)], (n) => n.startsWith(`.${basename(outFile)}.kubecerts-`));
    if (!o.force) {
      for (const u of users) {
        const d = destination(u);
        if (d !== undefined && pathExists(d)) throw new UsageError(`"${d}" already exists; pass --force to overwrite it`);
      }
    }
    if (!o.batch) {
      const text = await render(users[0] as UserEntry);
      if (outFile === undefined) return { kind: 'stdout', text };
      writeFileAtomic(outFile, text, { mode: 0o600, secret: true });
      return { kind: 'written', files: [outFile] };
    }
    const texts = await Promise.all(users.map(render));
    users.forEach((u, i) => ws.write(destination(u) as string, texts[i] as string, 0o600, 0o700));
    await ws.commit(journal);
    return { kind: 'written', files: users.map((u) => destination(u) as string) };
  } finally {
    await hold.release();
  }
}
