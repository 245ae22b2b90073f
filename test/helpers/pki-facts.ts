import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { kubeconfigCredentials } from './kubeconfig.js';

export const LEAF_FILES = [
  'apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client',
] as const;
export const KUBECONFIG_FILES = ['admin.conf', 'super-admin.conf', 'controller-manager.conf', 'scheduler.conf'] as const;
export const CA_OF: Record<string, string> = {
  apiserver: 'ca', 'apiserver-kubelet-client': 'ca', 'front-proxy-client': 'front-proxy-ca', 'etcd/server': 'etcd/ca', 'etcd/peer': 'etcd/ca',
  'etcd/healthcheck-client': 'etcd/ca', 'apiserver-etcd-client': 'etcd/ca',
};

export interface CertFacts {
  readonly subject: string;
  readonly san: string | undefined;
  readonly eku: string[];
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly pem: string;
  readonly keyPem: string;
}

function facts(pem: string, keyPem: string): CertFacts {
  const c = new X509Certificate(pem);
  return {
    subject: c.subject, san: c.subjectAltName, eku: c.keyUsage ?? [], serial: c.serialNumber,
    notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo), pem, keyPem,
  };
}

/** The certificate (and key) behind a renew name's file: a PKI leaf or a kubeconfig's client certificate. */
export function readCert(k8s: string, file: string): CertFacts {
  if (file.endsWith('.conf')) {
    const c = kubeconfigCredentials(join(k8s, file));
    return facts(c.cert, c.key);
  }
  return facts(readFileSync(join(k8s, 'pki', `${file}.crt`), 'utf8'), readFileSync(join(k8s, 'pki', `${file}.key`), 'utf8'));
}
