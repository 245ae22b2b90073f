/**
 * The facts of one node's PKI that a CA rotation acts on (CA files and keys, service-account keys, every leaf and
 * kubeconfig certificate, the kubelet's client certificate, the controller-manager's signing flag), and the phase
 * derived from those files alone: the CA file's certificate order and fingerprints, whether its first certificate
 * matches its key, and sa.pub/sa.key. The rotation plan (plan.json) only names which certificate is old and new;
 * without it the order of NotBefore does.
 */
import { readFileSync, type Stats, statSync } from 'node:fs';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { errnoText, PkiError } from '../../errors.js';
import { currentEntries, dataField, parseKubeconfig } from '../../kubeconfig/codec.js';
import { CA_SPECS, KUBECONFIG_SPECS, LEAF_SPECS, type CaName } from '../../pki/specs.js';
import { issuedBy, keyFingerprint, keyMatches, parseBundle, parsePublicKeys, type BundleEntry } from '../../pki/trust-bundle.js';
import { TARGETS, type RotationPaths, type RotationPlan, type Target } from './state.js';

export type Phase = 'none' | 'prepared' | 'trust' | 'reissue' | 'finalize';
type FilePhase = 'before' | 'trust' | 'reissue' | 'finalize';

/** A CA file and its key. */
export interface CaFacts {
  readonly target: CaName;
  readonly crtPath: string;
  readonly keyPath: string;
  readonly certs: readonly BundleEntry[];
  readonly key: KeyObject | undefined;
}

/** sa.pub (one or more public keys) and sa.key. */
export interface SaFacts {
  readonly pubPath: string;
  readonly keyPath: string;
  readonly pubs: readonly KeyObject[];
  readonly key: KeyObject;
}

/** A certificate signed by one of the rotated CAs: a leaf pair, a kubeconfig's client certificate, the kubelet's. */
export interface SignedCert {
  readonly name: string;
  readonly kind: 'leaf' | 'kubeconfig' | 'kubelet-client';
  readonly ca: CaName;
  readonly path: string;
  readonly cert: X509Certificate;
}

/** A kubeconfig: its text, CA data and (when embedded) client certificate. */
export interface KubeconfigFacts {
  readonly name: string;
  readonly path: string;
  readonly text: string;
  readonly caBundle: readonly BundleEntry[];
  readonly embeddedClient: boolean;
}

export interface NodeFacts {
  readonly cas: readonly CaFacts[];
  readonly sa: SaFacts | undefined;
  readonly signed: readonly SignedCert[];
  readonly kubeconfigs: readonly KubeconfigFacts[];
  /** ca-signer.crt (the controller-manager's one-certificate signing file during a rotation), when present */
  readonly signer: readonly BundleEntry[] | undefined;
  readonly signerPath: string;
  /** kube-controller-manager.yaml: path, text and its --cluster-signing-cert-file value, when the manifest exists */
  readonly kcm: { readonly path: string; readonly text: string; readonly signingFile: string | undefined } | undefined;
  /** the phases whose backups the state folder holds (set by the caller that knows the state folder) */
  readonly backups?: readonly string[];
}

const CA_FILE: Record<CaName, string> = { ca: 'ca', 'front-proxy-ca': 'front-proxy-ca', 'etcd-ca': 'etcd/ca' };
/** The base name of a CA's files under the cert dir ("ca", "front-proxy-ca", "etcd/ca"). */
export const caBaseName = (t: CaName): string => CA_FILE[t];
export const SIGNER_FILE = 'ca-signer.crt';
export const KUBELET_CLIENT = 'kubelet-client-current.pem';

/** The text of `path`, or undefined when it does not exist; unreadable is an error (never "missing"). */
export function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PkiError('ROTATE_READ', `cannot read "${path}": ${errnoText(err)}`);
  }
}

function parseKey(text: string, path: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new PkiError('ROTATE_READ', `"${path}" is not a private key`);
  }
}

function bundleAt(text: string, path: string): BundleEntry[] {
  try {
    return parseBundle(text);
  } catch (err) {
    throw new PkiError('ROTATE_READ', `"${path}": ${(err as Error).message}`);
  }
}

/** Reads every file a rotation looks at. Throws PkiError ROTATE_READ on an unreadable or unparsable file. */
export function readNodeFacts(p: RotationPaths): NodeFacts {
  const cas: CaFacts[] = [];
  for (const spec of CA_SPECS) {
    const base = CA_FILE[spec.name];
    const crtPath = join(p.certDir, `${base}.crt`);
    const keyPath = join(p.certDir, `${base}.key`);
    const text = readIfPresent(crtPath);
    if (text === undefined) continue;
    const keyText = readIfPresent(keyPath);
    cas.push({ target: spec.name, crtPath, keyPath, certs: bundleAt(text, crtPath), key: keyText === undefined ? undefined : parseKey(keyText, keyPath) });
  }
  const pubPath = join(p.certDir, 'sa.pub');
  const saKeyPath = join(p.certDir, 'sa.key');
  const pubText = readIfPresent(pubPath);
  const saKeyText = readIfPresent(saKeyPath);
  const sa = pubText !== undefined && saKeyText !== undefined ? { pubPath, keyPath: saKeyPath, pubs: parsePublicKeys(pubText), key: parseKey(saKeyText, saKeyPath) } : undefined;
  const signed: SignedCert[] = [];
  for (const spec of LEAF_SPECS) {
    const path = join(p.certDir, `${spec.baseName}.crt`);
    const text = readIfPresent(path);
    if (text === undefined) continue;
    const first = bundleAt(text, path)[0];
    if (first) signed.push({ name: spec.name, kind: 'leaf', ca: spec.ca, path, cert: first.cert });
  }
  const kubeconfigs: KubeconfigFacts[] = [];
  for (const spec of KUBECONFIG_SPECS) {
    const path = join(p.kubeconfigDir, spec.fileName);
    const text = readIfPresent(path);
    if (text === undefined) continue;
    const cur = currentEntries(parseKubeconfig(text, path), path);
    const caText = dataField(cur.cluster, 'certificate-authority-data');
    const clientText = dataField(cur.user, 'client-certificate-data');
    kubeconfigs.push({ name: spec.name, path, text, caBundle: caText ? bundleAt(caText, path) : [], embeddedClient: clientText !== undefined });
    const client = clientText ? bundleAt(clientText, path)[0] : undefined;
    if (client) signed.push({ name: spec.name, kind: 'kubeconfig', ca: 'ca', path, cert: client.cert });
  }
  const kubeletPath = join(p.kubeletDir, KUBELET_CLIENT);
  const kubeletText = readIfPresent(kubeletPath);
  const kubeletCert = kubeletText ? bundleAt(kubeletText, kubeletPath)[0] : undefined;
  if (kubeletCert) signed.push({ name: KUBELET_CLIENT, kind: 'kubelet-client', ca: 'ca', path: kubeletPath, cert: kubeletCert.cert });
  const signerPath = join(p.certDir, SIGNER_FILE);
  const signerText = readIfPresent(signerPath);
  const kcmPath = join(p.manifestsDir, 'kube-controller-manager.yaml');
  const kcmText = readIfPresent(kcmPath);
  const kcm = kcmText === undefined ? undefined : { path: kcmPath, text: kcmText, signingFile: /--cluster-signing-cert-file=(\S+)/.exec(kcmText)?.[1]?.replace(/["']$/, '') };
  return { cas, sa, signed, kubeconfigs, signer: signerText === undefined ? undefined : bundleAt(signerText, signerPath), signerPath, kcm };
}

/** One target's phase as read from its files, or the contradiction found. */
export interface TargetState {
  readonly target: Target;
  readonly phase: FilePhase | undefined;
  readonly problem?: string;
  /** without a plan, sa.pub with two keys cannot tell trust from reissue */
  readonly ambiguous?: boolean;
}

const same = (a: readonly string[], b: readonly (string | undefined)[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The phase of one CA from its file: [old]=before, [old,new]=trust, [new,old]=reissue, [new]=finalize. */
export function caState(f: CaFacts, plan: RotationPlan | undefined): TargetState {
  const t = f.target;
  const fps = f.certs.map((c) => c.fingerprint);
  const first = f.certs[0];
  if (!first) return { target: t, phase: undefined, problem: `${f.crtPath} holds no certificate` };
  if (!f.key) return { target: t, phase: undefined, problem: `${f.keyPath} is missing: external-CA mode, the CA is not kubecerts' to rotate` };
  if (!keyMatches(f.key, first.cert)) {
    return { target: t, phase: undefined, problem: `the first certificate of ${f.crtPath} does not match ${f.keyPath} (mismatched CA key)` };
  }
  if (plan && plan.old[t] && plan.new[t]) {
    const o = plan.old[t];
    const n = plan.new[t];
    if (same(fps, [o])) return { target: t, phase: 'before' };
    if (same(fps, [o, n])) return { target: t, phase: 'trust' };
    if (same(fps, [n, o])) return { target: t, phase: 'reissue' };
    if (same(fps, [n])) return { target: t, phase: 'finalize' };
    return { target: t, phase: undefined, problem: `${f.crtPath} holds certificates the rotation plan does not name (${fps.length} certificate(s))` };
  }
  if (fps.length === 1) return { target: t, phase: 'before' };
  const second = f.certs[1];
  if (fps.length === 2 && second) {
    return { target: t, phase: new Date(first.cert.validFrom) <= new Date(second.cert.validFrom) ? 'trust' : 'reissue' };
  }
  return { target: t, phase: undefined, problem: `${f.crtPath} holds ${fps.length} certificates; a rotation has at most two` };
}

/** The phase of the service-account pair: [old]=before, [old,new]+key old=trust, [new,old]+key new=reissue, [new]=finalize. */
export function saState(f: SaFacts, plan: RotationPlan | undefined): TargetState {
  const fps = f.pubs.map(keyFingerprint);
  const own = keyFingerprint(f.key);
  if (fps[0] !== own) return { target: 'sa', phase: undefined, problem: `the first public key of ${f.pubPath} does not match ${f.keyPath}` };
  if (plan && plan.old.sa && plan.new.sa) {
    const { sa: o } = plan.old;
    const { sa: n } = plan.new;
    if (same(fps, [o])) return { target: 'sa', phase: 'before' };
    if (same(fps, [o, n])) return { target: 'sa', phase: 'trust' };
    if (same(fps, [n, o])) return { target: 'sa', phase: 'reissue' };
    if (same(fps, [n])) return { target: 'sa', phase: 'finalize' };
    return { target: 'sa', phase: undefined, problem: `${f.pubPath} holds keys the rotation plan does not name` };
  }
  if (fps.length === 1) return { target: 'sa', phase: 'before' };
  if (fps.length === 2) return { target: 'sa', phase: 'trust', ambiguous: true };
  return { target: 'sa', phase: undefined, problem: `${f.pubPath} holds ${fps.length} public keys; a rotation has at most two` };
}

/** The derived status of a node. */
export interface RotationStatus {
  readonly phase: Phase | undefined;
  readonly targets: readonly TargetState[];
  /** contradictions: the phase cannot be trusted until they are repaired */
  readonly problems: readonly string[];
  /** findings that do not stop a phase but the operator must know (drift, leftovers) */
  readonly warnings: readonly string[];
  readonly hint?: string;
}

/** The targets present on this node (a PKI without etcd has no etcd-ca), limited to `only` when given. */
export function presentTargets(f: NodeFacts, only?: readonly Target[]): Target[] {
  const present = TARGETS.filter((t) => (t === 'sa' ? f.sa !== undefined : f.cas.some((c) => c.target === t)));
  return only ? present.filter((t) => only.includes(t)) : present;
}

/**
 * The phase of the node from its files. Every target must be at the same phase; "before" with a plan is
 * "prepared". Contradictions (a first certificate that does not match its key, unknown certificates, targets at
 * different phases, a signing file with other than one certificate) are listed with a repair hint.
 */
export function deriveStatus(f: NodeFacts, plan: RotationPlan | undefined, only?: readonly Target[]): RotationStatus {
  const targets = presentTargets(f, only ?? plan?.targets);
  const states = targets.map((t) => (t === 'sa' ? saState(f.sa as SaFacts, plan) : caState(f.cas.find((c) => c.target === t) as CaFacts, plan)));
  const problems = states.flatMap((s) => (s.problem ? [s.problem] : []));
  const warnings: string[] = [];
  const definite = [...new Set(states.filter((s) => s.phase && !s.ambiguous).map((s) => s.phase))];
  if (definite.length > 1) problems.push(`the targets are at different phases (${states.map((s) => `${s.target}: ${s.phase ?? '?'}`).join(', ')})`);
  let filePhase: FilePhase | undefined = definite.length === 1 ? definite[0] : states.find((s) => s.phase)?.phase;
  if (definite.length === 0 && states.some((s) => s.ambiguous)) {
    warnings.push('sa.pub holds two keys and there is no rotation plan: trust and reissue cannot be told apart (treated as trust)');
  }
  // the controller-manager's signing file: exactly one certificate, the CA's signer
  const ca = f.cas.find((c) => c.target === 'ca');
  if (f.signer !== undefined && targets.includes('ca')) {
    if (f.signer.length !== 1) problems.push(`${f.signerPath} holds ${f.signer.length} certificates; kube-controller-manager's signer requires exactly one`);
    else if (ca?.certs[0] && f.signer[0]?.fingerprint !== ca.certs[0].fingerprint && (filePhase === 'trust' || filePhase === 'reissue')) {
      problems.push(`${f.signerPath} is not the first certificate of ${ca.crtPath}: the controller-manager would sign with another key`);
    }
    if (filePhase === 'before' || filePhase === 'finalize') warnings.push(`${f.signerPath} is left from a rotation: it is removed by the next finalize or rollback`);
  }
  // drift: a kubeconfig whose CA data is not the CA file's set (e.g. `kubeadm certs renew` cut the bundle)
  if (ca && targets.includes('ca')) {
    const want = ca.certs.map((c) => c.fingerprint).sort().join(',');
    for (const k of f.kubeconfigs) {
      if (k.caBundle.map((c) => c.fingerprint).sort().join(',') !== want) warnings.push(`${k.path}: its CA data is not the certificates of ${ca.crtPath} (drifted)`);
    }
  }
  if (problems.length > 0) {
    return { phase: undefined, targets: states, problems, warnings, hint: 'restore the files of one phase (kubecerts ca rotate rollback uses the backups in the state folder), or repair the files named' };
  }
  let phase: Phase | undefined;
  if (filePhase === 'before' || filePhase === undefined) phase = plan ? 'prepared' : 'none';
  else phase = filePhase;
  if (f.backups !== undefined) {
    const later: Record<string, readonly string[]> = { prepared: ['trust', 'reissue', 'finalize'], trust: ['reissue', 'finalize'], reissue: ['finalize'] };
    const ahead = f.backups.filter((b) => (later[phase] ?? []).includes(b));
    if (ahead.length > 0) {
      warnings.push(`the state folder holds the backup of "${ahead.join('", "')}" but the files are at "${phase}": the node drifted back to older files, or a run stopped before its commit (running the phase again is safe)`);
    }
  }
  return { phase, targets: states, problems, warnings };
}

/** Which CA (old, new, or neither) signed each certificate; `old`/`new` are the CA certificates. */
export function signerOf(c: SignedCert, old: X509Certificate | undefined, neu: X509Certificate | undefined): 'old' | 'new' | 'other' {
  if (old && issuedBy(c.cert, old)) return 'old';
  if (neu && issuedBy(c.cert, neu)) return 'new';
  return 'other';
}

/** The stat of a path, or undefined. */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
