/** The client certificate of a kubeconfig's current user, with kubeadm's error wording. */
import { isAbsolute, dirname, resolve as resolvePath } from 'node:path';
import { KubeconfigError } from '../errors.js';
import { hostPath } from './rootfs.js';
import { dataField, type CurrentEntries } from '../kubeconfig/codec.js';
import { parseCertificates, parseFailureReason, type LoadedCertificate } from '../pki/certificate.js';

/**
 * The first certificate of `client-certificate-data`; with `readReference`, a `client-certificate` file path
 * (relative to the kubeconfig) is read instead when nothing is embedded, as for kubelet.conf.
 */
export function clientCertificate(
  cur: CurrentEntries,
  path: string,
  readReference?: (file: string) => string,
): { loaded: LoadedCertificate; source: string } {
  let source = path;
  let text = dataField(cur.user, 'client-certificate-data');
  const ref = cur.user['client-certificate'];
  if (text === undefined && readReference && typeof ref === 'string') {
    // an absolute reference names a file on the host: under --rootfs it lies inside the rootfs
    source = isAbsolute(ref) ? hostPath(ref) : resolvePath(dirname(path), ref);
    text = readReference(source);
  }
  if (text === undefined) throw new KubeconfigError('NO_CLIENT_CERT', `kubeConfig file ${path} does not have an embedded client certificate`);
  try {
    return { loaded: parseCertificates(text, source), source };
  } catch (err) {
    // kubeadm's kubeConfigReadWriter.Read: errors.Wrapf(ParseCertsPEM's error, "... does not contain a valid client certificate")
    throw new KubeconfigError('BAD_CLIENT_CERT', `kubeConfig file ${path} does not contain a valid client certificate: ${parseFailureReason(err)}`, { cause: err });
  }
}
