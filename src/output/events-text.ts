/** kubeadm's warning lines for the core's typed events (stderr). */
import { formatDuration } from '../lib/duration.js';
import { formatExpiryDate, formatGoTime } from '../lib/time-format.js';
import { Warner, type CoreEvent } from '../ops/events.js';
import { escapeControls } from './control-plane-text.js';

/** One event as kubeadm's line (no newline). */
export function eventLine(e: CoreEvent): string {
  switch (e.kind) {
    case 'validity': {
      const bounds = `NotBefore: ${formatGoTime(e.notBefore)}, NotAfter: ${formatGoTime(e.notAfter)}`;
      const why = e.state === 'not-yet-valid' ? 'the certificate is not valid yet' : 'the certificate has expired';
      return `WARNING: could not validate bounds for certificate ${e.name}: ${why}: ${bounds}`;
    }
    case 'san-skipped':
      return `[certificates] WARNING: '${e.san}' was not added to the '${e.certName}' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`;
    case 'endpoint-port':
      return '[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address';
    case 'ca-expires-first':
      return `WARNING: ${e.ca} expires ${formatExpiryDate(e.caNotAfter)}, before the renewed ${e.name} (${formatExpiryDate(e.notAfter)}); rotate the CA before then`;
    case 'key-mismatch':
      return `WARNING: the private key ${e.keyPath} does not match the certificate ${e.certPath}`;
    case 'kubeconfig-ca-unreadable':
      return `failed to load CA cert from "${e.caFile}" for kubeconfig "${e.path}", ${e.reason}`;
    case 'kubeconfig-server':
      return `a kubeconfig file "${e.path}" exists already but has an unexpected API Server URL: expected: ${e.expected}, got: ${e.got}`;
    case 'validity-too-long':
      return `WARNING: the specified certificate validity period ${formatDuration(e.validityMs)} is longer than the default duration 8760h0m0s, this may increase security risks.`;
  }
}

/**
 * A Warner that writes each event as one line through `line` (a stderr writer), control characters escaped: the
 * values come from files (a SAN from a config, a server URL from a kubeconfig, file names).
 */
export const textWarner = (line: (text: string) => void): Warner => new Warner((e) => line(escapeControls(eventLine(e))));
