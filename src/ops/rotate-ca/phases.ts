/**
 * The phases of a CA rotation on one node: prepare, trust, reissue, finalize, rollback, purge. Each phase reads the
 * node's files, derives the current phase from them (plan.ts), runs its checks, and then makes one journaled
 * all-or-nothing commit of every file it changes, after backing those files up into the state folder. Returns data;
 * rendering is output/rotate-ca-text.ts.
 *
 * File sets (kubeadm layout; "old"/"new" are the CA certificates, the key file always matches the first certificate
 * so `certs renew` works mid-rotation):
 *   trust:    CA files [old,new], key old; kubeconfig CA data [old,new]; sa.pub old+new, sa.key old;
 *             ca-signer.crt = old and the controller-manager's --cluster-signing-cert-file points at it
 *   reissue:  CA files [new,old], key new; every leaf, kubeconfig client and kubelet client certificate signed by new;
 *             kubeconfig CA data [new,old]; sa.pub new+old, sa.key new; ca-signer.crt = new
 *   finalize: CA files [new]; kubeconfig CA data [new]; sa.pub new; ca-signer.crt removed, the flag back on ca.crt
 */
import { generateKeyPair, type KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { RotateError, type RotateCode } from '../../errors.js';
import { beginWrite, type JournalRecovered } from '../../store/write-session.js';
import type { Lock } from '../../lib/lock.js';
import { journalPending } from '../../store/journal.js';
import { Workspace } from '../../store/workspace.js';
import { kubecertsCommand, type CommandFlag } from '../../lib/command-line.js';
import { pairAt, replaceKubeconfigCaData, replacePair } from '../../store/locations.js';
import { readCertificateDetails } from '../../pki/certificate.js';
import { issue } from '../../pki/issue.js';
import { LocalCaSigner, SelfSigner } from '../../pki/signer.js';
import { encodePrivateKey } from '../../pki/keys.js';
import { normalizeAltNames } from '../../pki/sans.js';
import { CA_SPECS, type CaName } from '../../pki/specs.js';
import { bundleText, certFingerprint, issuedBy, keyFingerprint, keyMatches, parseBundle, publicKeysText, spkiHash } from '../../pki/trust-bundle.js';
import { apiserverEffect, apiserverFromManifest, kubeletEffect, membersFromManifest, notServingNew, probeClient, trustProbe, type ComponentEffect } from './barrier.js';
import { formatDuration } from '../../lib/duration.js';
import { deriveStatus, type Phase, type RotationStatus } from './plan.js';
import { caBaseName, hasControlPlaneManifests, KUBELET_CLIENT, modifiedAt, readIfPresent, readNodeFacts, SIGNER_FILE, type NodeFacts, type SignedCert } from '../../store/rotation-files.js';
import {
  backedUpPhases, backupPhase, dropBackup, dropInClusterRecord, recordForced, dropPrepared, purgeRotation, readBackup, readPlan, readStaged, readStagedIfPresent, removeIfPresent, rotationDir, rotationJournal,
  writePrepared, type CommitPhase, type RotationPaths, type RotationPlan, type Target,
} from '../../store/rotation-state.js';

/** What a rotation's write session tells: an interrupted commit completed, a leftover ca-signer.crt removed. */
export type RotationNotice = JournalRecovered | { readonly kind: 'signer-leftover-removed'; readonly path: string };

/** What every phase takes. Durations in ms. */
export interface PhaseOptions {
  readonly paths: RotationPaths;
  readonly now: Date;
  readonly dryRun: boolean;
  /** targets to rotate (prepare); later phases take the plan's */
  readonly only?: readonly Target[];
  /**
   * prepare: also issue a cross certificate per CA (the new CA's subject and key, signed by the old CA); reissue
   * appends it to the serving certificates of kube-apiserver and etcd, so clients that hold only the old CA still
   * verify them; finalize removes it again
   */
  readonly crossSign?: boolean;
  /** lifetime of the new CAs (prepare), default 10 years as kubeadm */
  readonly caValidityMs: number;
  /** lifetime of re-signed leaves (reissue), default 1 year as kubeadm */
  readonly leafValidityMs: number;
  /** progress events (a recovered journal, a removed leftover ca-signer.crt; output/write-text.ts renders them) */
  readonly notice: (event: RotationNotice) => void;
  /** the location flags of this run that differ from the defaults, for commands printed in hints (--cert-dir X, ...) */
  readonly cmdFlags?: readonly CommandFlag[];
  /** the lock each committing phase takes; default: the pid file `<cert-dir>/.kubecerts.lock`, as every writing command */
  readonly lock?: Lock;
  /** etcd members to probe for the barriers (URLs); default: the local etcd manifest's --initial-cluster */
  readonly etcdEndpoints?: readonly string[];
  /** bound of each barrier probe, ms (default 3000) */
  readonly probeTimeoutMs?: number;
  /**
   * override the live barriers (etcd, kube-apiserver and kubelet probes) when they fail or cannot observe: each
   * override is printed and recorded in <rotation>/forced.log. Never overrides a check of the files (keys, bundles,
   * identities, order, old-CA certificates left at finalize) nor the service-account grace period.
   */
  readonly force?: boolean;
  /** how long after reissue switched sa.key finalize may drop the old public key, ms (default 24 h) */
  readonly saGraceMs?: number;
  /** kube-apiserver to probe (default: the kube-apiserver manifest's --advertise-address and --secure-port) */
  readonly apiserverEndpoint?: string;
  /** the kubelet to probe (default: https://127.0.0.1:10250 when this node has kubelet-client-current.pem) */
  readonly kubeletEndpoint?: string;
}

/** The outcome of a phase, for the renderers. */
export interface PhaseResult {
  readonly phase: string;
  readonly from: Phase | undefined;
  readonly to: Phase | undefined;
  readonly dryRun: boolean;
  /** files written (or, in a dry run, that would be) */
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly backup?: string;
  /** the pre-commit checks that passed */
  readonly checks: readonly string[];
  readonly targets: readonly Target[];
  /** join discovery hashes of the cluster CA (kubeadm --discovery-token-ca-cert-hash), old and new */
  readonly joinHashes?: { readonly old?: string; readonly new?: string };
  readonly nothingToDo?: string;
}

const genKeyPair = promisify(generateKeyPair);

/** A new private key of the same algorithm and size as `like` (RSA modulus, EC curve). */
async function keyLike(like: KeyObject): Promise<KeyObject> {
  const d = like.asymmetricKeyDetails ?? {};
  if (like.asymmetricKeyType === 'rsa') return (await genKeyPair('rsa', { modulusLength: d.modulusLength ?? 2048 })).privateKey;
  if (like.asymmetricKeyType === 'ec') return (await genKeyPair('ec', { namedCurve: d.namedCurve ?? 'prime256v1' })).privateKey;
  if (like.asymmetricKeyType === 'ed25519') return (await genKeyPair('ed25519', {})).privateKey;
  throw new RotateError('ROTATE_KEY', `unsupported key type ${String(like.asymmetricKeyType)}`);
}

function refuse(code: RotateCode, message: string, hint?: string): never {
  throw new RotateError(code, message, hint ? { hint } : {});
}

const truncSeconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);
/** NotBefore = now − 5 min, NotAfter = now + validity, whole seconds (kubeadm's window). */
const window = (now: Date, ms: number): { notBefore: Date; notAfter: Date } => ({ notBefore: truncSeconds(now.getTime() - 300_000), notAfter: truncSeconds(now.getTime() + ms) });

/**
 * Completes a rotation commit a killed run left half done (its journal, a leftover ca-signer.crt), under the lock, so
 * that status reads a whole file set. Returns true when there was one. Throws LockedError while another kubecerts command writes.
 */
export async function recoverInterrupted(o: Pick<PhaseOptions, 'paths' | 'notice'>): Promise<boolean> {
  if (!journalPending(rotationJournal(o.paths)) && leftoverSigner(o.paths) === undefined) return false;
  await (await lock(o))();
  return true;
}

/**
 * Status of the node: facts read, plan read, phase derived. Without a plan (the state folder was lost) a node at
 * trust or reissue gets a plan derived from its files (trust: [old,new]; reissue: [new,old]), so status, finalize
 * and rollback-free resumption work from the files alone; `synthesized` says so.
 */
export function nodeStatus(paths: RotationPaths, only?: readonly Target[]): { facts: NodeFacts; plan: RotationPlan | undefined; status: RotationStatus; synthesized: boolean } {
  const facts = { ...readNodeFacts(paths), backups: backedUpPhases(paths) };
  const plan = readPlan(paths);
  const status = deriveStatus(facts, plan, only);
  if (plan || (status.phase !== 'trust' && status.phase !== 'reissue')) return { facts, plan, status, synthesized: false };
  const [o, n] = status.phase === 'trust' ? [0, 1] : [1, 0];
  const derived: { old: Partial<Record<Target, string>>; new: Partial<Record<Target, string>> } = { old: {}, new: {} };
  const targets = status.targets.map((t) => t.target);
  for (const t of targets) {
    const fps = t === 'sa' ? (facts.sa?.pubs ?? []).map(keyFingerprint) : (facts.cas.find((c) => c.target === t)?.certs ?? []).map((c) => c.fingerprint);
    derived.old[t] = fps[o];
    derived.new[t] = fps[n];
  }
  const synth: RotationPlan = { version: 1, created: '', targets, old: derived.old, new: derived.new };
  const again = deriveStatus(facts, synth, only);
  const warnings = [...again.warnings, `no rotation plan in ${rotationDir(paths)}: old and new were told apart from the files (the state folder is lost or elsewhere: --state-dir)`];
  return { facts, plan: synth, status: { ...again, warnings }, synthesized: true };
}

/** A staged file's text, or undefined when the state folder does not have it (it may be lost). */
function stagedOrUndefined(p: RotationPaths, name: string): string | undefined {
  return readStagedIfPresent(p, name);
}

function requirePhase(status: RotationStatus, phase: string, allowed: readonly (Phase | undefined)[], flags: readonly CommandFlag[] = []): void {
  if (status.problems.length > 0) {
    refuse('ROTATE_STATE', `cannot run ${phase}: ${status.problems.join('; ')}`, status.hint);
  }
  if (!allowed.includes(status.phase)) {
    const next: Record<string, string> = { none: 'prepare', prepared: 'trust', trust: 'reissue', reissue: 'finalize', finalize: 'purge' };
    refuse('ROTATE_ORDER', `cannot run ${phase}: the node is at phase "${status.phase}"`, `the next phase here is "${next[status.phase ?? 'none'] ?? 'prepare'}" (see ${kubecertsCommand(['ca', 'rotate', 'status'], flags)})`);
  }
}

/** The CA targets of a plan (all but sa). */
const caTargets = (ts: readonly Target[]): CaName[] => ts.filter((t): t is CaName => t !== 'sa');

// ---------------------------------------------------------------------------------------------------------- prepare

/** The material made by prepare (or imported): staged file name → text. */
export interface PreparedMaterial {
  readonly files: Record<string, string>;
  readonly plan: RotationPlan;
}

/**
 * prepare: new CAs (kubeadm subject, the old key's algorithm, `caValidityMs`) and a new service-account key, kept in
 * the state folder; nothing live changes. Checks: every target CA has its key (external-CA mode refused) and the key
 * matches; each new CA is a CA, its key matches, it outlives a leaf issued now, its key differs from the old.
 */
export async function prepare(o: PhaseOptions): Promise<PhaseResult> {
  const { facts, status } = nodeStatus(o.paths, o.only);
  if (status.phase === 'prepared' && status.problems.length === 0) return noop('prepare', status, 'a rotation is already prepared (rollback removes it)');
  requirePhase(status, 'prepare', ['none'], o.cmdFlags);
  const targets = status.targets.map((t) => t.target);
  if (targets.length === 0) refuse('ROTATE_INPUT', `nothing to rotate in ${o.paths.certDir}`);
  if (o.caValidityMs < o.leafValidityMs + 86_400_000) {
    refuse('ROTATE_INPUT', `the new CAs would live ${Math.round(o.caValidityMs / 3_600_000)}h, shorter than the leaves they sign (${Math.round(o.leafValidityMs / 3_600_000)}h)`, 'give --ca-validity-period longer than a year and a day');
  }
  const files: Record<string, string> = {};
  const plan: { old: Partial<Record<Target, string>>; new: Partial<Record<Target, string>> } = { old: {}, new: {} };
  const cross: Partial<Record<Target, string>> = {};
  const checks: string[] = [];
  await Promise.all(
    caTargets(targets).map(async (t) => {
      const f = facts.cas.find((c) => c.target === t);
      const old = f?.certs[0];
      if (!f || !old || !f.key) return refuse('ROTATE_INPUT', `${t}: no CA key`);
      const spec = CA_SPECS.find((s) => s.name === t) as (typeof CA_SPECS)[number];
      const key = await keyLike(f.key);
      // the new CA starts strictly after the old one, so NotBefore tells old from new when the state folder is lost
      const w = window(o.now, o.caValidityMs);
      const notBefore = new Date(Math.max(w.notBefore.getTime(), Math.floor(new Date(old.cert.validFrom).getTime() / 1000) * 1000 + 1000));
      const { certPem: pem } = await issue({ subject: { cn: spec.cn, orgs: [] }, dns: [spec.cn], usages: [], isCA: true, key, window: { ...w, notBefore } }, new SelfSigner());
      const cert = new X509Certificate(pem);
      if (!cert.ca || !keyMatches(key, cert) || !issuedBy(cert, cert)) refuse('ROTATE_CHECK', `${t}: the new CA is not a self-signed CA matching its key`);
      if (new Date(cert.validTo).getTime() < o.now.getTime() + o.leafValidityMs) refuse('ROTATE_CHECK', `${t}: the new CA expires before a leaf issued now`);
      if (keyFingerprint(key) === keyFingerprint(old.cert.publicKey)) refuse('ROTATE_CHECK', `${t}: the new CA has the old key`);
      files[`${t}.crt`] = pem;
      files[`${t}.key`] = encodePrivateKey(key);
      plan.old[t] = old.fingerprint;
      plan.new[t] = certFingerprint(cert);
      checks.push(`${t}: new CA is CA:TRUE, self-signed, matches its key, outlives a leaf issued now, has a new key`);
      if (o.crossSign && CROSS_LEAF[t]) {
        // the new CA's subject and key, issued by the old CA, for no longer than either lives
        const notAfter = new Date(Math.min(new Date(old.cert.validTo).getTime(), new Date(cert.validTo).getTime()));
        const { certPem: crossPem } = await issue({ subject: { cn: spec.cn, orgs: [] }, dns: [spec.cn], usages: [], isCA: true, key, window: { notBefore, notAfter: truncSeconds(notAfter.getTime()) } }, new LocalCaSigner(old.cert.toString(), f.key));
        checkCross(t, new X509Certificate(crossPem), old.cert, cert);
        files[`${t}-cross.crt`] = crossPem;
        cross[t] = certFingerprint(new X509Certificate(crossPem));
        checks.push(`${t}: cross certificate has the new CA's subject and key and verifies under the old CA`);
      }
    }),
  );
  if (targets.includes('sa') && facts.sa) {
    const key = await keyLike(facts.sa.key);
    if (keyFingerprint(key) === keyFingerprint(facts.sa.key)) refuse('ROTATE_CHECK', 'sa: the new key equals the old');
    files['sa.key'] = encodePrivateKey(key);
    plan.old.sa = keyFingerprint(facts.sa.key);
    plan.new.sa = keyFingerprint(key);
    checks.push('sa: new key differs from the old; sa.pub will hold both until finalize');
  }
  checks.sort((a, b) => TARGET_ORDER.indexOf(a.split(':')[0] as Target) - TARGET_ORDER.indexOf(b.split(':')[0] as Target));
  const full: RotationPlan = { version: 1, created: o.now.toISOString(), targets: TARGET_ORDER.filter((t) => targets.includes(t)), old: plan.old, new: plan.new, ...(Object.keys(cross).length > 0 ? { cross } : {}) };
  if (!o.dryRun) {
    const release = await lock(o);
    try {
      writePrepared(o.paths, files, full);
    } finally {
      await release();
    }
  }
  const ca = facts.cas.find((c) => c.target === 'ca')?.certs[0];
  return {
    phase: 'prepare', from: status.phase, to: 'prepared', dryRun: o.dryRun, written: Object.keys(files).map((n) => join(rotationDir(o.paths), 'staging', n)),
    removed: [], checks, targets: full.targets,
    joinHashes: { ...(ca ? { old: spkiHash(ca.cert) } : {}), ...(files['ca.crt'] ? { new: spkiHash(new X509Certificate(files['ca.crt'])) } : {}) },
  };
}

const TARGET_ORDER: readonly Target[] = ['ca', 'front-proxy-ca', 'etcd-ca', 'sa'];

/** The serving certificate each cross certificate is appended to (--cross-sign): kube-apiserver's, etcd's. */
const CROSS_LEAF: Partial<Record<CaName, string>> = { ca: 'apiserver', 'etcd-ca': 'etcd-server' };

/** Refuses a cross certificate that is not the new CA's subject and key issued by the old CA, or not a CA. */
function checkCross(t: CaName, cross: X509Certificate, old: X509Certificate, neu: X509Certificate): void {
  if (!cross.ca || cross.subject !== neu.subject || keyFingerprint(cross.publicKey) !== keyFingerprint(neu.publicKey) || !issuedBy(cross, old)) {
    refuse('ROTATE_CHECK', `${t}: the cross certificate is not the new CA's subject and key issued by the old CA`);
  }
}

/** Stores imported material as prepared (prepare --import); the caller has checked it belongs to this cluster. */
export async function storePrepared(o: PhaseOptions, m: PreparedMaterial): Promise<PhaseResult> {
  const { facts, status, synthesized, plan: derived } = nodeStatus(o.paths, m.plan.targets);
  // a node at trust that lost its state folder takes the archive again, when it names the same old and new CAs
  const resumes = synthesized && status.phase === 'trust' && m.plan.targets.every((t) => derived?.new[t] === m.plan.new[t] && derived?.old[t] === m.plan.old[t]);
  if (!resumes) requirePhase(status, 'prepare --import', ['none'], o.cmdFlags);
  for (const t of m.plan.targets) {
    const live = t === 'sa' ? (facts.sa ? keyFingerprint(facts.sa.key) : undefined) : facts.cas.find((c) => c.target === t)?.certs[0]?.fingerprint;
    if (live !== m.plan.old[t]) {
      refuse('ROTATE_ARCHIVE', `the archive is from another cluster: its old ${t} is not this node's (${live === undefined ? 'absent here' : `${live.slice(0, 16)}… here, ${String(m.plan.old[t]).slice(0, 16)}… in the archive`})`, 'import the archive exported from a node of this cluster, or check that this node has not drifted to stale files');
    }
    if (t === 'sa') {
      if (!m.files['sa.key'] || keyFingerprint(createPrivateKey(m.files['sa.key'])) !== m.plan.new.sa) refuse('ROTATE_ARCHIVE', 'the archive\'s sa.key is not the one its plan names');
      continue;
    }
    const crt = m.files[`${t}.crt`];
    const key = m.files[`${t}.key`];
    const crossFp = m.plan.cross?.[t];
    if (crossFp !== undefined) {
      const x = m.files[`${t}-cross.crt`];
      const old = facts.cas.find((c) => c.target === t)?.certs[0]?.cert;
      if (!x || !crt || !old || certFingerprint(new X509Certificate(x)) !== crossFp) refuse('ROTATE_ARCHIVE', `the archive's ${t} cross certificate does not match its plan`);
      checkCross(t, new X509Certificate(x), old, new X509Certificate(crt));
    }
    if (!crt || !key || certFingerprint(new X509Certificate(crt)) !== m.plan.new[t] || !keyMatches(createPrivateKey(key), new X509Certificate(crt))) {
      refuse('ROTATE_ARCHIVE', `the archive's new ${t} does not match its plan or its key`);
    }
  }
  if (!o.dryRun) {
    const release = await lock(o);
    try {
      writePrepared(o.paths, m.files, m.plan);
    } finally {
      await release();
    }
  }
  return { phase: 'prepare', from: status.phase, to: 'prepared', dryRun: o.dryRun, written: Object.keys(m.files).map((n) => join(rotationDir(o.paths), 'staging', n)), removed: [], checks: ['archive fingerprints equal its plan and this node\'s old CAs'], targets: m.plan.targets };
}

// ----------------------------------------------------------------------------------------------- staged material

interface Material {
  readonly plan: RotationPlan;
  readonly old: Partial<Record<CaName, X509Certificate>>;
  readonly neu: Partial<Record<CaName, X509Certificate>>;
  readonly newKey: Partial<Record<CaName, KeyObject>>;
  readonly newKeyText: Partial<Record<CaName, string>>;
  readonly saOld?: KeyObject;
  readonly saNew?: KeyObject;
  readonly saNewText?: string;
  /** --cross-sign: the cross certificate of each CA (PEM) */
  readonly cross: Partial<Record<CaName, string>>;
}

/** Loads the staged material and checks it against plan.json and the live files. */
function loadMaterial(o: PhaseOptions, facts: NodeFacts, plan: RotationPlan, needKeys: boolean, needOld = true): Material {
  const m = { plan, old: {}, neu: {}, newKey: {}, newKeyText: {}, cross: {} } as { -readonly [K in keyof Material]: Material[K] };
  for (const t of caTargets(plan.targets)) {
    const f = facts.cas.find((c) => c.target === t);
    const old = f?.certs.find((c) => c.fingerprint === plan.old[t]);
    const neuText = stagedOrUndefined(o.paths, `${t}.crt`);
    const neu = neuText ? new X509Certificate(neuText) : f?.certs.find((c) => c.fingerprint === plan.new[t])?.cert;
    if (!neu) return refuse('ROTATE_STATE', `the new ${t} is neither in the state folder nor in ${f?.crtPath ?? t}`, 'restore the state folder, or prepare --import the archive again');
    if (certFingerprint(neu) !== plan.new[t]) refuse('ROTATE_STATE', `the staged ${t}.crt is not the one plan.json names`, 'restore the state folder or prepare --import the archive again');
    if (!old && needOld) refuse('ROTATE_INPUT', `${f?.crtPath ?? t}: the old CA named by the plan is not in the file (a bundle without the old CA)`, 'restore the CA file from a backup');
    if (old) m.old[t] = old.cert;
    m.neu[t] = neu;
    if (plan.cross?.[t] !== undefined) {
      const x = stagedOrUndefined(o.paths, `${t}-cross.crt`);
      if (!x || certFingerprint(new X509Certificate(x)) !== plan.cross[t]) refuse('ROTATE_STATE', `the staged ${t}-cross.crt is missing or not the one plan.json names`, 'restore the state folder or prepare --import the archive again');
      m.cross[t] = x;
    }
    if (needKeys) {
      // once reissued, the new key is the live one; before, it exists only in the state folder (or the archive)
      const live = f?.key && keyMatches(f.key, neu) ? readIfPresent(f.keyPath) : undefined;
      const text = stagedOrUndefined(o.paths, `${t}.key`) ?? live ?? readStaged(o.paths, `${t}.key`);
      const key = createPrivateKey(text);
      if (!keyMatches(key, neu)) refuse('ROTATE_STATE', `the staged ${t}.key does not match the new ${t} certificate (mismatched CA key)`);
      m.newKey[t] = key;
      m.newKeyText[t] = text;
    }
  }
  if (plan.targets.includes('sa') && facts.sa) {
    const f = facts.sa;
    m.saOld = f.pubs.find((k) => keyFingerprint(k) === plan.old.sa) ?? (keyFingerprint(f.key) === plan.old.sa ? f.key : undefined);
    if (!m.saOld && needOld) refuse('ROTATE_INPUT', `${f.pubPath} does not hold the old service-account key the plan names`);
    const live = keyFingerprint(f.key) === plan.new.sa ? readIfPresent(f.keyPath) : undefined;
    const text = stagedOrUndefined(o.paths, 'sa.key') ?? live ?? readStaged(o.paths, 'sa.key');
    const key = createPrivateKey(text);
    if (keyFingerprint(key) !== plan.new.sa) refuse('ROTATE_STATE', 'the staged sa.key is not the one plan.json names');
    m.saNew = key;
    m.saNewText = text;
  }
  return m;
}

/** The KCM manifest with its --cluster-signing-cert-file pointed at `file` (ca.crt or ca-signer.crt of the same folder). */
function repointSigner(text: string, file: 'ca.crt' | typeof SIGNER_FILE): string {
  return text.replace(/(--cluster-signing-cert-file=\S*\/)(ca\.crt|ca-signer\.crt)/, `$1${file}`);
}

// ---------------------------------------------------------------------------------------------------------- commits

/**
 * Takes the lock and completes an interrupted commit (the journal), then removes a ca-signer.crt that a run killed
 * between its commit and the removal left behind (finalize, rollback of trust): only when ca.crt holds one
 * certificate again and the controller-manager's manifest no longer names the file.
 */
async function lock(o: Pick<PhaseOptions, 'paths' | 'notice' | 'lock'>): Promise<() => Promise<void>> {
  const j = rotationJournal(o.paths);
  const hold = await beginWrite({ lockDir: o.paths.certDir, lock: o.lock, journal: j, tempDirs: j.roots, what: 'CA rotation commit', notice: o.notice });
  try {
    const left = leftoverSigner(o.paths);
    if (left) {
      removeIfPresent(left);
      o.notice({ kind: 'signer-leftover-removed', path: left });
    }
  } catch (err) {
    await hold.release();
    throw err;
  }
  return () => hold.release();
}

/** The path of a ca-signer.crt nothing uses any more (see lock), else undefined. */
function leftoverSigner(p: RotationPaths): string | undefined {
  const signer = join(p.certDir, SIGNER_FILE);
  if (readIfPresent(signer) === undefined || !readPlan(p)) return undefined;
  const ca = parseBundle(readIfPresent(join(p.certDir, 'ca.crt')) ?? '');
  const own = parseBundle(readIfPresent(signer) ?? '');
  const kcm = readIfPresent(join(p.manifestsDir, 'kube-controller-manager.yaml'));
  // ours: one certificate, the one ca.crt alone holds again; not named by the controller-manager
  if (ca.length !== 1 || own.length !== 1 || own[0]?.fingerprint !== ca[0]?.fingerprint || kcm?.includes(SIGNER_FILE)) return undefined;
  return signer;
}

/** Backs up every file the commit replaces or removes, then commits all of them or none, then removes `remove`. */
async function commitPhase(o: PhaseOptions, phase: CommitPhase | undefined, ws: Workspace, remove: readonly string[]): Promise<string | undefined> {
  const paths = [...ws.planned().map((w) => w.path), ...remove];
  const backup = phase ? backupPhase(o.paths, phase, paths) : undefined;
  await ws.commit(rotationJournal(o.paths));
  for (const r of remove) removeIfPresent(r);
  return backup;
}

function noop(phase: string, status: RotationStatus, why: string): PhaseResult {
  return { phase, from: status.phase, to: status.phase, dryRun: false, written: [], removed: [], checks: [], targets: status.targets.map((t) => t.target), nothingToDo: why };
}

/** Runs `build` under the lock (re-deriving the status after journal recovery) and commits its workspace. */
async function runCommit(
  o: PhaseOptions,
  phase: CommitPhase,
  from: Phase,
  build: (facts: NodeFacts, plan: RotationPlan, ws: Workspace, checks: string[], remove: string[]) => Promise<void>,
): Promise<PhaseResult> {
  const release = o.dryRun ? async () => undefined : await lock(o);
  try {
    const { facts, plan, status } = nodeStatus(o.paths);
    const to: Phase = phase;
    if (status.phase === to && status.problems.length === 0 && plan) {
      // a re-run after the commit (lock() completed what a kill interrupted)
      return noop(phase, status, `the node is already at phase "${to}"`);
    }
    requirePhase(status, phase, [from], o.cmdFlags);
    if (!plan) return refuse('ROTATE_STATE', 'no rotation plan');
    const ws = new Workspace();
    const checks: string[] = [];
    const remove: string[] = [];
    await build(facts, plan, ws, checks, remove);
    const written = ws.planned().map((w) => w.path);
    // the override is recorded before the commit: a phase never commits past a barrier without its record
    if (!o.dryRun) for (const c of checks) if (c.startsWith(FORCED)) recordForced(o.paths, `${o.now.toISOString()} ${phase}: ${c.slice(FORCED.length)}`);
    const backup = o.dryRun ? undefined : await commitPhase(o, phase, ws, remove);
    const oldCa = facts.cas.find((c) => c.target === 'ca')?.certs.find((c) => c.fingerprint === plan.old.ca);
    const stagedCa = stagedOrUndefined(o.paths, 'ca.crt');
    const newCa = stagedCa ? new X509Certificate(stagedCa) : facts.cas.find((c) => c.target === 'ca')?.certs.find((c) => c.fingerprint === plan.new.ca)?.cert;
    return {
      phase, from: status.phase, to, dryRun: o.dryRun, written, removed: remove, checks, targets: plan.targets,
      ...(backup ? { backup } : {}),
      joinHashes: { ...(oldCa ? { old: spkiHash(oldCa.cert) } : {}), ...(newCa ? { new: spkiHash(newCa) } : {}) },
    };
  } finally {
    await release();
  }
}

// ------------------------------------------------------------------------------------------------------------ trust

/**
 * trust: every trust point holds old and new; the signing key stays old. Checks: each bundle is exactly {old,new};
 * every existing certificate of a rotated CA verifies against it; ca-signer.crt holds one certificate matching ca.key.
 */
export function trust(o: PhaseOptions): Promise<PhaseResult> {
  return runCommit(o, 'trust', 'prepared', async (facts, plan, ws, checks) => {
    const m = loadMaterial(o, facts, plan, false);
    for (const t of caTargets(plan.targets)) {
      const f = facts.cas.find((c) => c.target === t);
      const old = m.old[t] as X509Certificate;
      const neu = m.neu[t] as X509Certificate;
      if (!f) continue;
      const bundle = bundleText([old, neu]);
      ws.write(f.crtPath, bundle, 0o644);
      const strays = facts.signed.filter((s) => s.ca === t && !issuedBy(s.cert, old));
      if (strays.length > 0) refuse('ROTATE_CHECK', `${t}: ${strays.map((s) => s.path).join(', ')} not signed by the old CA`, 'renew or restore them first: they would stop verifying');
      checks.push(`${t}: ${f.crtPath} = [old, new]; the first certificate matches ${f.keyPath}; ${facts.signed.filter((s) => s.ca === t).length} certificate(s) verify against the bundle`);
      if (t === 'ca') {
        for (const k of facts.kubeconfigs) {
          if (!k.caBundle.some((c) => c.fingerprint === plan.old.ca)) refuse('ROTATE_INPUT', `${k.path}: its CA data does not hold the old CA`, 'restore it or recreate it with kubeadm before rotating');
          replaceKubeconfigCaData(k, bundle, ws);
        }
        if (facts.signer && facts.signer.length !== 1) refuse('ROTATE_INPUT', `${facts.signerPath} holds ${facts.signer.length} certificates; kube-controller-manager requires exactly one`);
        ws.write(facts.signerPath, bundleText([old]), 0o644);
        if (facts.kcm?.signingFile?.endsWith('/ca.crt')) ws.write(facts.kcm.path, repointSigner(facts.kcm.text, SIGNER_FILE), 0o600);
        checks.push(`ca: ${SIGNER_FILE} holds exactly one certificate, matching ca.key; ${facts.kubeconfigs.length} kubeconfig(s) get [old, new]`);
      }
    }
    if (m.saOld && m.saNew && facts.sa) {
      ws.write(facts.sa.pubPath, publicKeysText([m.saOld, m.saNew]), 0o600);
      checks.push('sa: sa.pub = old + new; sa.key stays old');
    }
  });
}

// ---------------------------------------------------------------------------------------------------------- barriers

/**
 * The etcd barrier of reissue (every member accepts a client of the new etcd CA: trust in effect) or finalize (every
 * member serves a certificate of the new etcd CA: every node reissued). Refuses with the members that fail; notes
 * in `checks` when there is no member to observe.
 */
async function etcdBarrier(o: PhaseOptions, m: Material, kind: 'trust-in-effect' | 'reissued', checks: string[]): Promise<void> {
  const neu = m.neu['etcd-ca'];
  const key = m.newKey['etcd-ca'];
  if (!neu) return;
  const urls = o.etcdEndpoints ?? membersFromManifest(readIfPresent(join(o.paths.manifestsDir, 'etcd.yaml')));
  if (urls.length === 0) {
    notObserved(o, checks, 'etcd', kind, `no etcd manifest with --initial-cluster in ${o.paths.manifestsDir} and no --etcd-endpoints`, 'give --etcd-endpoints with every member\'s peer URL (https://HOST:2380, as --initial-cluster lists them) or client URL (https://HOST:2379), comma-separated, or the node\'s --manifests-dir');
    return;
  }
  if (!key) return refuse('ROTATE_STATE', 'the new etcd CA key is needed for the barrier probe');
  const client = await probeClient(neu, key, o.now);
  const t = o.probeTimeoutMs ?? 3000;
  if (kind === 'trust-in-effect') {
    const { unreachable, rejecting: bad } = await trustProbe(urls, client, t);
    if (unreachable.length > 0) {
      barrierRefuse(o, checks, `cannot reach etcd member(s) ${unreachable.join(', ')}: whether trust is in effect there cannot be told`, 'check that etcd runs there and that --etcd-endpoints (or the etcd manifest\'s --initial-cluster) names its URLs; a connection failure is not a rejection of the new CA');
    }
    if (bad.length > 0) {
      return barrierRefuse(o, checks, `trust is not in effect on etcd member(s) ${bad.join(', ')}: they reject a client of the new etcd CA`, 'run trust on every node and restart each etcd member (etcd reads its CA files only at start; --restart does it), then reissue');
    }
    if (unreachable.length === 0) checks.push(`trust in effect: ${urls.length} etcd member(s) accept a client of the new etcd CA`);
  } else {
    const bad = await notServingNew(urls, neu, client, t);
    if (bad.length > 0) {
      return barrierRefuse(o, checks, `not every node has reissued: etcd member(s) ${bad.join(', ')}`, 'run reissue on every control-plane node and restart its etcd, then finalize');
    }
    checks.push(`every node reissued: ${urls.length} etcd member(s) serve certificates of the new etcd CA`);
  }
}

/**
 * A failed live barrier: refused (ROTATE_BARRIER with `hint`), or with --force noted in `checks` as FORCED (runCommit
 * records it in the state folder's forced.log once the phase has committed).
 */
function barrierRefuse(o: Pick<PhaseOptions, 'force'>, checks: string[], message: string, hint: string): void {
  if (!o.force) refuse('ROTATE_BARRIER', message, `${hint} (--force overrides a live barrier, at your risk)`);
  checks.push(`${FORCED}${message}`);
}

const FORCED = 'FORCED past a barrier: ';
/** Prefix of a check line that is a warning: a barrier kubecerts could not observe. */
export const NOT_OBSERVED = 'not observed: ';

/**
 * A barrier that cannot be observed (no manifest, endpoint or kubelet to probe). When the manifests folder holds
 * control-plane manifests (this is a node), the barrier refuses like a failed one (--force overrides); otherwise (a
 * PKI that is not on a node, or a wrong --manifests-dir) it is a warning line saying what cannot be told and which
 * flag lets kubecerts observe it.
 */
function notObserved(o: PhaseOptions, checks: string[], component: string, kind: 'trust-in-effect' | 'reissued', why: string, flag: string): void {
  const what = kind === 'trust-in-effect' ? 'whether trust in the new CA is in effect there' : 'whether it was reissued and restarted';
  const message = `${component}: kubecerts cannot tell ${what} (${why})`;
  if (hasControlPlaneManifests(o.paths.manifestsDir)) return barrierRefuse(o, checks, `${message}, though ${o.paths.manifestsDir} holds control-plane manifests`, flag);
  checks.push(`${NOT_OBSERVED}${message}; ${flag}`);
}

/** The kube-apiserver and kubelet URLs to probe on this node (see PhaseOptions), each undefined when not observable. */
function componentUrls(o: PhaseOptions, facts: NodeFacts): { apiserver?: string; kubelet?: string } {
  const apiserver = o.apiserverEndpoint ?? apiserverFromManifest(readIfPresent(join(o.paths.manifestsDir, 'kube-apiserver.yaml')));
  const kubelet = o.kubeletEndpoint ?? (facts.signed.some((x) => x.kind === 'kubelet-client') ? 'https://127.0.0.1:10250' : undefined);
  return { ...(apiserver ? { apiserver } : {}), ...(kubelet ? { kubelet } : {}) };
}

/** Probes this node's kube-apiserver and kubelet with a client certificate of the new cluster CA (none when ca is not rotated). */
async function probeComponents(o: PhaseOptions, facts: NodeFacts, m: Material): Promise<ComponentEffect[]> {
  const neu = m.neu.ca;
  const key = m.newKey.ca;
  if (!neu || !key) return [];
  const urls = componentUrls(o, facts);
  if (!urls.apiserver && !urls.kubelet) return [];
  const client = await probeClient(neu, key, o.now);
  const t = o.probeTimeoutMs ?? 3000;
  return Promise.all([
    ...(urls.apiserver ? [apiserverEffect(urls.apiserver, m.old.ca, neu, client, t)] : []),
    ...(urls.kubelet ? [kubeletEffect(urls.kubelet, m.old.ca, neu, client, t)] : []),
  ]);
}

/**
 * The kube-apiserver and kubelet barrier of reissue (each authenticates a client of the new cluster CA: trust in
 * effect) and finalize (kube-apiserver serves a certificate of the new CA; a kubelet serving a certificate of the old
 * cluster CA is refused). An unreachable kube-apiserver is refused (it runs on a control-plane node); an unreachable
 * kubelet is noted as not observed.
 */
async function componentBarrier(o: PhaseOptions, facts: NodeFacts, m: Material, kind: 'trust-in-effect' | 'reissued', checks: string[]): Promise<void> {
  if (m.neu.ca && m.newKey.ca) {
    const urls = componentUrls(o, facts);
    if (!urls.apiserver) notObserved(o, checks, 'kube-apiserver', kind, `no kube-apiserver manifest with --advertise-address in ${o.paths.manifestsDir} and no --apiserver-endpoint`, 'give --apiserver-endpoint https://HOST:6443 or the node\'s --manifests-dir');
    if (!urls.kubelet) checks.push(`${NOT_OBSERVED}kubelet: kubecerts cannot tell ${kind === 'trust-in-effect' ? 'whether trust in the new CA is in effect there' : 'which CA its serving certificate has'} (no ${KUBELET_CLIENT} in ${o.paths.kubeletDir} and no --kubelet-endpoint); give --kubelet-endpoint https://127.0.0.1:10250 or the node's --kubelet-dir`);
  }
  for (const e of await probeComponents(o, facts, m)) {
    const what = `${e.component} ${e.url}`;
    if (e.unreachable) {
      if (e.component === 'kubelet') checks.push(`${NOT_OBSERVED}${what}: kubecerts cannot tell whether trust is in effect there (${e.detail}); start the kubelet or give --kubelet-endpoint`);
      else barrierRefuse(o, checks, `cannot observe ${what} (${e.detail})`, 'start it (or give --apiserver-endpoint), then run the phase again');
      continue;
    }
    if (kind === 'trust-in-effect') {
      if (!e.acceptsNew) barrierRefuse(o, checks, `trust is not in effect on ${what}: it does not authenticate a client of the new CA (${e.detail})`, `restart it after trust (--restart${e.component === 'kubelet' ? '; the kubelet: systemctl restart kubelet' : ''}), then reissue`);
      else checks.push(`trust in effect: ${what} authenticates a client of the new CA (${e.detail})`);
    } else if (e.component === 'kube-apiserver' && e.serves !== 'new') {
      barrierRefuse(o, checks, `${what} still serves a certificate of the ${e.serves === 'old' ? 'old' : 'another'} CA`, 'restart it after reissue (--restart), then finalize');
    } else if (e.component === 'kubelet' && e.serves === 'old') {
      barrierRefuse(o, checks, `${what} serves a certificate of the old cluster CA`, 'have the kubelet serving certificate re-issued (approve its CSR), then finalize');
    } else {
      checks.push(`${what} serves a certificate of the ${e.serves === 'new' ? 'new CA' : 'another CA (self-signed): not affected'}`);
    }
  }
}

/**
 * "Written" versus "in effect" on this node's kube-apiserver and kubelet, for status; undefined when the cluster CA
 * is not being rotated (or the new key is not at hand to sign a probe).
 */
export async function componentsInEffect(o: PhaseOptions): Promise<ComponentEffect[] | undefined> {
  const { facts, plan, status } = nodeStatus(o.paths);
  if (!plan?.targets.includes('ca') || !['trust', 'reissue', 'finalize'].includes(status.phase ?? '') || status.problems.length > 0) return undefined;
  let m: Material;
  try {
    m = loadMaterial(o, facts, plan, true, false);
  } catch {
    return undefined;
  }
  return probeComponents(o, facts, m);
}

/**
 * The service-account grace period: finalize drops the old public key from sa.pub, after which every token signed
 * by the old key is rejected. Tokens minted before reissue stay in use until the kubelet refreshes them (at 80 % of
 * their lifetime, at most 24 h) and until the apiserver's --service-account-max-token-expiration. sa.key's modification
 * time is when reissue switched the key (it survives a lost state folder). Refused before `saGraceMs` (default 24 h)
 * has passed, with the time left; only --sa-grace changes the period (--force does not).
 */
function saGrace(o: PhaseOptions, facts: NodeFacts, checks: string[]): void {
  if (!facts.sa) return;
  const grace = o.saGraceMs ?? 86_400_000;
  const since = modifiedAt(facts.sa.keyPath);
  if (!since) return;
  const left = since.getTime() + grace - o.now.getTime();
  // whole seconds, Go's time.Duration form ("23h59m59s", "1m0s", "0s"); time left rounds up, time passed down
  const h = (ms: number, up = false): string => formatDuration((up ? Math.ceil(ms / 1000) : Math.floor(ms / 1000)) * 1000);
  if (left > 0) {
    refuse('ROTATE_BARRIER', `finalize would drop the old service-account key, but sa.key switched to the new key only at ${since.toISOString()}: tokens signed with the old key (projected tokens refresh within 24 h; legacy Secrets until re-minted) would be rejected. ${h(left, true)} left, until ${new Date(o.now.getTime() + left).toISOString()}`,
      'wait, or pass --sa-grace with a shorter period once every token was re-issued (projected tokens refreshed, legacy token Secrets re-minted, pods restarted)');
  }
  checks.push(`sa: ${h(o.now.getTime() - since.getTime())} since sa.key switched, grace period ${h(grace)}`);
}

/** One etcd member as observed by status: does it accept a client of the new etcd CA, does it serve a new-CA certificate. */
export interface MemberEffect {
  readonly url: string;
  /** no TLS server answered (connection refused, timed out): why, and the two answers below mean nothing */
  readonly unreachable?: string;
  readonly acceptsNew: boolean;
  readonly servesNew: boolean;
}

/**
 * "Written" versus "in effect" on etcd, for status: each member probed with a client certificate of the new etcd CA
 * and its served certificate compared with the new CA. Undefined when there is no rotation of etcd-ca in progress,
 * no new key to sign the probe, or no member to probe.
 */
export async function etcdInEffect(o: PhaseOptions): Promise<MemberEffect[] | undefined> {
  const { facts, plan, status } = nodeStatus(o.paths);
  if (!plan?.targets.includes('etcd-ca') || !['trust', 'reissue', 'finalize'].includes(status.phase ?? '') || status.problems.length > 0) return undefined;
  const urls = o.etcdEndpoints ?? membersFromManifest(readIfPresent(join(o.paths.manifestsDir, 'etcd.yaml')));
  if (urls.length === 0) return undefined;
  let m: Material;
  try {
    m = loadMaterial(o, facts, plan, true, false);
  } catch {
    return undefined;
  }
  const neu = m.neu['etcd-ca'];
  const key = m.newKey['etcd-ca'];
  if (!neu || !key) return undefined;
  const client = await probeClient(neu, key, o.now);
  const t = o.probeTimeoutMs ?? 3000;
  // a member that does not answer is reported as unreachable, not as one that rejects the new CA
  const trust = await trustProbe(urls, client, t);
  const down = new Map(trust.unreachable.map((x) => [x.slice(0, x.indexOf(' ')), x.slice(x.indexOf(' ') + 2, -1)]));
  const notAccepting = new Set(trust.rejecting);
  const notServing = (await notServingNew(urls, neu, client, t)).map((x) => x.split(' ')[0]);
  return urls.map((url) => ({ url, ...(down.has(url) ? { unreachable: down.get(url) as string } : {}), acceptsNew: !down.has(url) && !notAccepting.has(url), servesNew: !down.has(url) && !notServing.includes(url) }));
}

// ---------------------------------------------------------------------------------------------------------- reissue

/**
 * reissue: the new CA becomes the signer ([new,old], key new) and re-signs every certificate of the rotated CAs as
 * `certs renew` would (subject, SANs and usages kept, a new key of the same algorithm, kubeadm's one-year window);
 * sa.key becomes new. Checks: every new certificate verifies against the new CA alone and keeps its identity, ends
 * before the CA, and matches its key.
 */
export function reissue(o: PhaseOptions): Promise<PhaseResult> {
  return runCommit(o, 'reissue', 'trust', async (facts, plan, ws, checks) => {
    const m = loadMaterial(o, facts, plan, true);
    await etcdBarrier(o, m, 'trust-in-effect', checks);
    await componentBarrier(o, facts, m, 'trust-in-effect', checks);
    const bundles: Partial<Record<CaName, string>> = {};
    for (const t of caTargets(plan.targets)) {
      const f = facts.cas.find((c) => c.target === t);
      if (!f) continue;
      bundles[t] = bundleText([m.neu[t] as X509Certificate, m.old[t] as X509Certificate]);
      ws.write(f.crtPath, bundles[t] as string, 0o644);
      ws.writeKey(f.keyPath, m.newKeyText[t] as string);
    }
    const toSign = facts.signed.filter((s) => m.neu[s.ca] && !issuedBy(s.cert, m.neu[s.ca] as X509Certificate));
    const signed = await Promise.all(toSign.map((s) => resign(s, m, o)));
    const crossed: string[] = [];
    signed.forEach(({ s, certPem, keyPemText }) => {
      const ca = m.neu[s.ca] as X509Certificate;
      const cert = new X509Certificate(certPem);
      const before = readCertificateDetails(s.cert.toString());
      const after = readCertificateDetails(certPem);
      if (!issuedBy(cert, ca) || !keyMatches(createPrivateKey(keyPemText), cert)) refuse('ROTATE_CHECK', `${s.path}: the re-signed certificate does not verify against the new CA or its key`);
      const id = (d: typeof before): string => JSON.stringify([d.subject, [...new Set(d.dns)].sort(), [...new Set(d.ips)].sort(), d.extKeyUsages, d.otherExtKeyUsages]);
      if (id(before) !== id(after)) {
        refuse('ROTATE_CHECK', `${s.path}: the re-signed certificate changed its identity`);
      }
      if (new Date(cert.validTo) > new Date(ca.validTo)) refuse('ROTATE_CHECK', `${s.path}: the re-signed certificate outlives the new CA`);
      const crossPem = s.kind === 'leaf' && CROSS_LEAF[s.ca] === s.name ? m.cross[s.ca] : undefined;
      if (crossPem !== undefined) {
        const x = new X509Certificate(crossPem);
        if (!issuedBy(cert, x) || !issuedBy(x, m.old[s.ca] as X509Certificate)) refuse('ROTATE_CHECK', `${s.path}: the chain with the cross certificate does not verify against the old CA alone`);
        crossed.push(s.path);
      }
      if (s.kind === 'leaf') {
        replacePair(pairAt(s.name, dirname(s.path), basename(s.path, '.crt')), certPem + (crossPem ?? ''), keyPemText, ws);
      } else if (s.kind === 'kubelet-client') {
        ws.writeKey(s.path, certPem + keyPemText);
      }
    });
    checks.push(`${signed.length} certificate(s) re-signed: each verifies against the new CA alone, keeps subject, SANs and usages, ends before the CA, matches its key`);
    if (crossed.length > 0) checks.push(`cross-signed: ${crossed.join(', ')} also verify against the old CA alone (the cross certificate follows the leaf)`);
    if (bundles.ca) {
      for (const k of facts.kubeconfigs) {
        const s = signed.find((x) => x.s.kind === 'kubeconfig' && x.s.path === k.path);
        replaceKubeconfigCaData(k, bundles.ca, ws, s ? { certPem: s.certPem, keyPem: s.keyPemText } : undefined);
      }
      ws.write(facts.signerPath, bundleText([m.neu.ca as X509Certificate]), 0o644);
      checks.push(`ca: ${SIGNER_FILE} = the new CA only; ${facts.kubeconfigs.length} kubeconfig(s) get [new, old]`);
    }
    if (m.saOld && m.saNew && facts.sa) {
      ws.write(facts.sa.pubPath, publicKeysText([m.saNew, m.saOld]), 0o600);
      ws.writeKey(facts.sa.keyPath, m.saNewText as string);
      checks.push('sa: sa.key = new; sa.pub = new + old (tokens of the old key verify until finalize)');
    }
  });
}

/** Re-signs one certificate with the new CA of its kind, as `certs renew` does (own key algorithm, one-year window). */
async function resign(s: SignedCert, m: Material, o: PhaseOptions): Promise<{ s: SignedCert; certPem: string; keyPemText: string }> {
  const d = readCertificateDetails(s.cert.toString());
  const key = await keyLike(s.cert.publicKey);
  const ca = m.neu[s.ca] as X509Certificate;
  const issued = await issue(
    {
      // as renew (kubeadm's NewSignedCert runs RemoveDuplicateAltNames): DNS names sorted and de-duplicated, IPs de-duplicated
      subject: d.subject, ...normalizeAltNames({ dns: d.dns, ips: d.ips }), usages: d.extKeyUsages, otherUsageOids: d.otherExtKeyUsages, key,
      window: window(o.now, o.leafValidityMs),
    },
    new LocalCaSigner(ca.toString(), m.newKey[s.ca] as KeyObject),
  );
  return { s, certPem: issued.certPem, keyPemText: issued.keyPem };
}

// --------------------------------------------------------------------------------------------------------- finalize

/**
 * finalize: the old CA and the old service-account key leave every trust point; ca-signer.crt goes and the
 * controller-manager's signing flag returns to ca.crt. Refused while any certificate of a rotated CA on the node
 * (leaves, kubeconfigs, kubelet-client-current.pem) is not signed by the new CA.
 */
export function finalize(o: PhaseOptions): Promise<PhaseResult> {
  return runCommit(o, 'finalize', 'reissue', async (facts, plan, ws, checks, remove) => {
    const m = loadMaterial(o, facts, plan, true);
    await etcdBarrier(o, m, 'reissued', checks);
    await componentBarrier(o, facts, m, 'reissued', checks);
    if (m.saNew && m.saOld) saGrace(o, facts, checks);
    const stale = facts.signed.filter((s) => m.neu[s.ca] && !issuedBy(s.cert, m.neu[s.ca] as X509Certificate));
    if (stale.length > 0) {
      refuse('ROTATE_CHECK', `cannot finalize: still signed by the old CA: ${stale.map((s) => s.path).join(', ')}`, `run "${kubecertsCommand(['ca', 'rotate', 'rollback'], o.cmdFlags)}" and "${kubecertsCommand(['ca', 'rotate', 'reissue'], o.cmdFlags)}" again, or renew these certificates (kubecerts certs renew) first`);
    }
    checks.push(`${facts.signed.filter((s) => m.neu[s.ca]).length} certificate(s) verify against the new CAs alone`);
    for (const s of facts.signed) {
      // a cross certificate appended at reissue (--cross-sign) leaves with the old CA
      if (s.kind !== 'leaf' || CROSS_LEAF[s.ca] !== s.name || !m.neu[s.ca]) continue;
      const chain = parseBundle(readIfPresent(s.path) ?? '');
      if (chain.length > 1) {
        ws.write(s.path, bundleText([s.cert]), 0o644);
        checks.push(`${s.path}: the cross certificate removed`);
      }
    }
    for (const t of caTargets(plan.targets)) {
      const f = facts.cas.find((c) => c.target === t);
      if (!f) continue;
      const only = bundleText([m.neu[t] as X509Certificate]);
      ws.write(f.crtPath, only, 0o644);
      if (t === 'ca') {
        for (const k of facts.kubeconfigs) replaceKubeconfigCaData(k, only, ws);
        if (facts.signer !== undefined) remove.push(facts.signerPath);
        if (facts.kcm?.signingFile?.endsWith(`/${SIGNER_FILE}`)) ws.write(facts.kcm.path, repointSigner(facts.kcm.text, 'ca.crt'), 0o600);
      }
    }
    if (m.saNew && facts.sa) ws.write(facts.sa.pubPath, publicKeysText([m.saNew]), 0o600);
  });
}

// ------------------------------------------------------------------------------------------------ rollback, purge

/**
 * rollback: one phase back. prepared → none (staging removed); trust → prepared, reissue → trust, finalize → reissue
 * by restoring the phase's backup byte for byte (files the phase created are removed) in one journaled commit.
 */
export async function rollback(o: PhaseOptions): Promise<PhaseResult> {
  const release = o.dryRun ? async () => undefined : await lock(o);
  try {
    const { status } = nodeStatus(o.paths);
    const back: Record<string, Phase> = { prepared: 'none', trust: 'prepared', reissue: 'trust', finalize: 'reissue' };
    if (status.problems.length > 0) requirePhase(status, 'rollback', [], o.cmdFlags);
    const from = status.phase;
    if (from === 'none' || from === undefined) {
      return noop('rollback', status, 'no rotation in progress');
    }
    const targets = status.targets.map((t) => t.target);
    if (from === 'prepared') {
      if (!o.dryRun) dropPrepared(o.paths);
      return { phase: 'rollback', from, to: 'none', dryRun: o.dryRun, written: [], removed: [join(rotationDir(o.paths), 'staging')], checks: [], targets };
    }
    const files = readBackup(o.paths, from);
    if (!files) return refuse('ROTATE_STATE', `no backup of phase "${from}" in ${rotationDir(o.paths)}: cannot roll back`, 'restore the state folder, or go forward');
    const ws = new Workspace();
    for (const f of files) if (!f.absent) ws.write(f.path, f.data as string, f.mode ?? 0o600);
    const remove = files.filter((f) => f.absent).map((f) => f.path);
    // listed before the commit, which empties the workspace
    const written = ws.planned().map((w) => w.path);
    if (!o.dryRun) {
      await commitPhase(o, undefined, ws, remove);
      dropBackup(o.paths, from);
      dropInClusterRecord(o.paths);
    }
    return { phase: 'rollback', from, to: back[from], dryRun: o.dryRun, written, removed: remove, checks: [`restored ${files.length} file(s) from the "${from}" backup (SHA-256 checked)`], targets };
  } finally {
    await release();
  }
}

/** purge: removes the state folder (the old CA keys in the backups); only once finalized. The point of no return. */
export async function purge(o: PhaseOptions): Promise<PhaseResult> {
  const { status } = nodeStatus(o.paths);
  requirePhase(status, 'purge', ['finalize'], o.cmdFlags);
  if (!o.dryRun) {
    const release = await lock(o);
    try {
      purgeRotation(o.paths);
    } finally {
      await release();
    }
  }
  return { phase: 'purge', from: 'finalize', to: 'none', dryRun: o.dryRun, written: [], removed: [rotationDir(o.paths)], checks: [], targets: status.targets.map((t) => t.target) };
}

export { KUBELET_CLIENT, caBaseName };
