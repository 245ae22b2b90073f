/** The one issuing path: init, renew and kubeconfig user (and later CA rotation) sign every certificate here. */
import type { KeyObject } from 'node:crypto';
import { encodePrivateKey } from './keys.js';
import type { CertificateTemplate, Signer, Subject } from './signer.js';
import { randomSerialHex, type Window } from './validity.js';

export interface IssueRequest {
  readonly subject: Subject;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly usages: CertificateTemplate['usages'];
  /** further EKU OIDs after `usages` */
  readonly otherUsageOids?: readonly string[];
  readonly isCA?: boolean;
  /** the new certificate's private key */
  readonly key: KeyObject;
  readonly window: Window;
  /** default: a fresh random serial (randomSerialHex) */
  readonly serialHex?: string;
}

export interface Issued {
  /** the certificate, PEM */
  readonly certPem: string;
  /** the private key in kubeadm's format (PKCS#1 or SEC1 PEM) */
  readonly keyPem: string;
}

/**
 * Signs one certificate for `req.key` with `signer` and encodes its key, as kubeadm's pkiutil.NewCertAndKey /
 * NewSignedCert do. Throws PkiError('KEY_TYPE') for a key type the signer cannot use.
 */
export async function issue(req: IssueRequest, signer: Signer): Promise<Issued> {
  const certPem = await signer.sign({
    subject: req.subject,
    dns: req.dns ?? [],
    ips: req.ips ?? [],
    usages: req.usages,
    ...(req.otherUsageOids ? { otherUsageOids: req.otherUsageOids } : {}),
    isCA: req.isCA ?? false,
    key: req.key,
    notBefore: req.window.notBefore,
    notAfter: req.window.notAfter,
    serialHex: req.serialHex ?? randomSerialHex(),
  });
  return { certPem, keyPem: encodePrivateKey(req.key) };
}
