/**
 * The files of one node that a CA rotation (`ca rotate`) reads: CA files and keys, the service-account keys, every
 * leaf, kubeconfig and kubelet client certificate, ca-signer.crt and the controller-manager manifest. Unreadable is an
 * error, never "missing".
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { errnoText, RotateError } from '../errors.js';
import { currentEntries, dataField, parseKubeconfig } from '../kubeconfig/codec.js';
import { CA_SPECS, KUBECONFIG_SPECS, LEAF_SPECS, type CaName } from '../pki/specs.js';
import { parseBundle, parsePublicKeys, type BundleEntry } from '../pki/trust-bundle.js';
import type { RotationPaths } from './rotation-state.js';

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
/**
 * Whether `dir` holds a control-plane static-pod manifest (etcd.yaml, kube-apiserver.yaml, kube-controller-manager.yaml,
 * kube-scheduler.yaml), i.e. this is a control-plane node. A folder that exists but cannot be listed counts as a node:
 * unreadable is not missing, and the caller then refuses rather than skips a barrier.
 */
export function hasControlPlaneManifests(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
  return names.some((n) => /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)\.yaml$/.test(n));
}

export function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RotateError('ROTATE_READ', `cannot read "${path}": ${errnoText(err)}`);
  }
}

/** When `path` was last modified, or undefined when it does not exist; unreadable is an error. */
export function modifiedAt(path: string): Date | undefined {
  try {
    return statSync(path).mtime;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RotateError('ROTATE_READ', `cannot read "${path}": ${errnoText(err)}`);
  }
}

function parseKey(text: string, path: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new RotateError('ROTATE_READ', `"${path}" is not a private key`);
  }
}

function bundleAt(text: string, path: string): BundleEntry[] {
  try {
    return parseBundle(text);
  } catch (err) {
    throw new RotateError('ROTATE_READ', `"${path}": ${(err as Error).message}`);
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

