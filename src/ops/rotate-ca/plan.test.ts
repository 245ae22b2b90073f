import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issue } from '../../pki/issue.js';
import { SelfSigner } from '../../pki/signer.js';
import { bundleText, certFingerprint, keyFingerprint, parseBundle, spkiHash } from '../../pki/trust-bundle.js';
import { caState, deriveStatus, saState } from './plan.js';
import type { CaFacts, NodeFacts } from '../../store/rotation-files.js';
import type { RotationPlan } from '../../store/rotation-state.js';

async function ca(cn: string, notBefore: Date): Promise<{ cert: X509Certificate; key: KeyObject }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { certPem: pem } = await issue({ subject: { cn, orgs: [] }, dns: [cn], usages: [], isCA: true, key: privateKey, window: { notBefore, notAfter: new Date(notBefore.getTime() + 1e11) }, serialHex: '01' }, new SelfSigner());
  return { cert: new X509Certificate(pem), key: privateKey };
}

const facts = (certs: X509Certificate[], key: KeyObject | undefined): CaFacts => ({
  target: 'ca', crtPath: 'ca.crt', keyPath: 'ca.key', certs: parseBundle(bundleText(certs)), key,
});

describe('deriving the phase of a CA from its file', () => {
  it('tells before, trust, reissue and finalize apart with a plan, and trust from reissue by NotBefore without one', async () => {
    const old = await ca('kubernetes', new Date('2020-01-01T00:00:00Z'));
    const neu = await ca('kubernetes', new Date('2026-01-01T00:00:00Z'));
    const plan: RotationPlan = { version: 1, created: '', targets: ['ca'], old: { ca: certFingerprint(old.cert) }, new: { ca: certFingerprint(neu.cert) } };
    const rows: [X509Certificate[], KeyObject, string][] = [
      [[old.cert], old.key, 'before'],
      [[old.cert, neu.cert], old.key, 'trust'],
      [[neu.cert, old.cert], neu.key, 'reissue'],
      [[neu.cert], neu.key, 'finalize'],
    ];
    for (const [certs, key, phase] of rows) {
      expect(caState(facts(certs, key), plan).phase).toBe(phase);
      if (phase === 'trust' || phase === 'reissue') expect(caState(facts(certs, key), undefined).phase).toBe(phase);
    }
    expect(caState(facts([neu.cert], neu.key), undefined).phase).toBe('before');
  });
  it('reports a first certificate that does not match the key, a missing key, unknown certificates', async () => {
    const old = await ca('kubernetes', new Date('2020-01-01T00:00:00Z'));
    const neu = await ca('kubernetes', new Date('2026-01-01T00:00:00Z'));
    const other = await ca('kubernetes', new Date('2024-01-01T00:00:00Z'));
    const plan: RotationPlan = { version: 1, created: '', targets: ['ca'], old: { ca: certFingerprint(old.cert) }, new: { ca: certFingerprint(neu.cert) } };
    expect(caState(facts([old.cert, neu.cert], neu.key), plan).problem).toMatch(/mismatched CA key/);
    expect(caState(facts([old.cert], undefined), plan).problem).toMatch(/external-CA mode/);
    expect(caState(facts([old.cert, other.cert], old.key), plan).problem).toMatch(/does not name/);
    expect(caState(facts([old.cert, neu.cert, other.cert], old.key), undefined).problem).toMatch(/at most two/);
  });
  it('targets at different phases are a contradiction; a signing file with two certificates too', async () => {
    const old = await ca('kubernetes', new Date('2020-01-01T00:00:00Z'));
    const neu = await ca('kubernetes', new Date('2026-01-01T00:00:00Z'));
    const fpOld = await ca('front-proxy-ca', new Date('2020-01-01T00:00:00Z'));
    const base: NodeFacts = {
      cas: [facts([old.cert, neu.cert], old.key), { ...facts([fpOld.cert], fpOld.key), target: 'front-proxy-ca' }],
      sa: undefined, signed: [], kubeconfigs: [], signer: undefined, signerPath: 'ca-signer.crt', kcm: undefined,
    };
    const s = deriveStatus(base, undefined);
    expect(s.phase).toBeUndefined();
    expect(s.problems.join()).toMatch(/different phases/);
    const two = deriveStatus({ ...base, cas: [base.cas[0] as CaFacts], signer: parseBundle(bundleText([old.cert, neu.cert])) }, undefined);
    expect(two.problems.join()).toMatch(/requires exactly one/);
  });
});

describe('service-account keys and join hashes', () => {
  it('sa.pub order gives the phase; the SPKI hash does not depend on PEM text', async () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const b = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const plan: RotationPlan = { version: 1, created: '', targets: ['sa'], old: { sa: keyFingerprint(a) }, new: { sa: keyFingerprint(b) } };
    const sa = (pubs: KeyObject[], key: KeyObject) => saState({ pubPath: 'sa.pub', keyPath: 'sa.key', pubs, key }, plan).phase;
    expect([sa([a], a), sa([a, b], a), sa([b, a], b), sa([b], b)]).toEqual(['before', 'trust', 'reissue', 'finalize']);
    const c = await ca('kubernetes', new Date('2020-01-01T00:00:00Z'));
    expect(spkiHash(c.cert)).toBe(spkiHash(c.key));
    expect(spkiHash(c.cert)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
