/**
 * The facts of one node's PKI that a CA rotation acts on (CA files and keys, service-account keys, every leaf and
 * kubeconfig certificate, the kubelet's client certificate, the controller-manager's signing flag), and the phase
 * derived from those files alone: the CA file's certificate order and fingerprints, whether its first certificate
 * matches its key, and sa.pub/sa.key. The rotation plan (plan.json) only names which certificate is old and new;
 * without it the order of NotBefore does.
 */
import type { X509Certificate } from 'node:crypto';
import { issuedBy, keyFingerprint, keyMatches } from '../../pki/trust-bundle.js';
import type { CaFacts, NodeFacts, SaFacts, SignedCert } from '../../store/rotation-files.js';
import { TARGETS, type RotationPlan, type Target } from '../../store/rotation-state.js';

export type Phase = 'none' | 'prepared' | 'trust' | 'reissue' | 'finalize';
type FilePhase = 'before' | 'trust' | 'reissue' | 'finalize';

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
    // prepare makes the new CA start strictly after the old one
    return { target: t, phase: new Date(first.cert.validFrom) < new Date(second.cert.validFrom) ? 'trust' : 'reissue' };
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
