import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../config/types.js';
import { currentEntries, dataField, parseKubeconfig } from '../kubeconfig/codec.js';
import { KUBECONFIG_SPECS, LEAF_SPECS, PKI_SPECS } from '../pki/specs.js';
import { MemoryFs } from '../store/fs.js';
import { Warner, type CoreEvent } from './events.js';
import { CertPhases } from './init-certs.js';
import type { InitEvent } from './init-events.js';
import { KubeconfigPhases } from './init-kubeconfig.js';
import { Renewer, type RenewOutcome } from './renew.js';

const DAY = 86_400_000;
const cfg: RunConfig = {
  certificatesDir: '/pki', kubeconfigDir: '/k', clusterName: 'kubernetes', controlPlaneEndpoint: '',
  advertiseAddress: '192.168.1.10', bindPort: 6443, nodeName: 'cp-1', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local',
  apiServerCertSANs: [], etcdLocal: { serverCertSANs: [], peerCertSANs: [] }, encryptionAlgorithm: 'ECDSA-P256',
  encryptionAlgorithmSource: 'default', certificateValidityMs: 365 * DAY, caCertificateValidityMs: 3650 * DAY,
};
// the injected clock: every time below follows from these two instants, none from the machine's clock
const T0 = new Date('2026-03-01T12:00:00.750Z');
const T1 = new Date('2026-11-20T08:30:15.250Z');
const notAfterOf = (pem: string): Date => new Date(new X509Certificate(pem).validTo);
const clientCertOf = (fs: MemoryFs, path: string): string =>
  dataField(currentEntries(parseKubeconfig(fs.read(path), path), path).user, 'client-certificate-data') as string;

async function initPki(fs: MemoryFs, start: Date): Promise<{ events: InitEvent[]; warnings: CoreEvent[] }> {
  const events: InitEvent[] = [];
  const warnings: CoreEvent[] = [];
  const ctx = { cfg, start, ws: fs, emit: (e: InitEvent) => events.push(e), warner: new Warner((e) => warnings.push(e)) };
  const certs = new CertPhases(ctx);
  for (const spec of PKI_SPECS) await certs.run(spec);
  const kubeconfigs = new KubeconfigPhases(ctx);
  for (const spec of KUBECONFIG_SPECS) await kubeconfigs.run(spec);
  return { events, warnings };
}

describe('init and renew use cases over an in-memory Fs with an injected clock', () => {
  it('init creates every file, tells it as typed events, and dates certificates from the given start', async () => {
    const fs = new MemoryFs();
    const { events, warnings } = await initPki(fs, T0);
    expect(warnings).toEqual([]);
    expect(events[0]).toEqual({ kind: 'generating', baseName: 'ca' });
    expect(events).toContainEqual({ kind: 'signed-for', baseName: 'apiserver', dns: expect.arrayContaining(['cp-1', 'kubernetes']), ips: ['10.96.0.1', '192.168.1.10'] });
    expect(events).toContainEqual({ kind: 'sa-generating', baseName: 'sa' });
    expect(events.filter((e) => e.kind === 'kubeconfig-writing').map((e) => (e as { fileName: string }).fileName)).toEqual(KUBECONFIG_SPECS.map((s) => s.fileName));
    // NotAfter = start + validity, truncated to the second (kubeadm's templates)
    expect(notAfterOf(fs.read('/pki/ca.crt'))).toEqual(new Date('2036-02-27T12:00:00Z'));
    expect(notAfterOf(fs.read('/pki/apiserver.crt'))).toEqual(new Date('2027-03-01T12:00:00Z'));
    expect(notAfterOf(clientCertOf(fs, '/k/admin.conf'))).toEqual(new Date('2027-03-01T12:00:00Z'));
    expect(fs.files.get('/pki/apiserver.key')?.mode).toBe(0o600);
    expect(fs.files.get('/k/admin.conf')?.mode).toBe(0o600);
    // a second run reuses everything
    const again = await initPki(fs, T0);
    expect(again.events).toContainEqual({ kind: 'ca-existing', baseName: 'ca', keyless: false });
    expect(again.events).toContainEqual({ kind: 'leaf-existing', baseName: 'apiserver' });
    expect(again.events).toContainEqual({ kind: 'kubeconfig-existing', path: '/k/admin.conf' });
  });

  it('renew re-signs at the injected start, keeps a CA bundle whole in kubeconfigs, and warns when the CA ends first', async () => {
    const fs = new MemoryFs();
    await initPki(fs, T0);
    const other = await (async () => {
      const side = new MemoryFs();
      await initPki(side, T0);
      return side.read('/pki/ca.crt');
    })();
    // a trust bundle during a CA rotation: the signing CA first, then another one
    fs.write('/pki/ca.crt', fs.read('/pki/ca.crt') + other, 0o644);
    const warnings: CoreEvent[] = [];
    const renewer = new Renewer({ cfg, start: T1, ws: fs, warner: new Warner((e) => warnings.push(e)), reuseKey: false, csrOnly: false });
    const apiserver = LEAF_SPECS.find((s) => s.name === 'apiserver')!;
    const admin = KUBECONFIG_SPECS.find((s) => s.name === 'admin.conf')!;
    const outcomes: RenewOutcome[] = [await renewer.renew(apiserver), await renewer.renew(admin)];
    const expected = new Date('2027-11-20T08:30:15Z');
    expect(outcomes.map((o) => o.kind)).toEqual(['renewed', 'renewed']);
    expect(outcomes[0]).toMatchObject({ files: ['/pki/apiserver.key', '/pki/apiserver.crt'], newNotAfter: expected, oldNotAfter: new Date('2027-03-01T12:00:00Z'), keyKept: false });
    expect(notAfterOf(fs.read('/pki/apiserver.crt'))).toEqual(expected);
    expect(notAfterOf(clientCertOf(fs, '/k/admin.conf'))).toEqual(expected);
    const caData = dataField(currentEntries(parseKubeconfig(fs.read('/k/admin.conf'), 'a'), 'a').cluster, 'certificate-authority-data');
    expect(caData).toBe(fs.read('/pki/ca.crt'));
    expect(warnings).toEqual([]);

    const late = new Renewer({ cfg, start: new Date('2035-12-01T00:00:00Z'), ws: fs, warner: new Warner((e) => warnings.push(e)), reuseKey: true, csrOnly: false });
    await late.renew(apiserver);
    expect(warnings).toEqual([
      { kind: 'ca-expires-first', ca: 'ca', name: 'apiserver', caNotAfter: new Date('2036-02-27T12:00:00Z'), notAfter: new Date('2036-11-30T00:00:00Z') },
    ]);
    const skip = new Renewer({ cfg, start: T1, ws: fs, warner: new Warner(() => undefined), reuseKey: false, csrOnly: false, expiringWithinMs: 30 * DAY });
    expect(await skip.renew(apiserver)).toEqual({ kind: 'skipped', spec: apiserver, notAfter: new Date('2036-11-30T00:00:00Z') });
  });
});
