import { describe, expect, it } from 'vitest';
import { formatExpiryDate, formatResidual } from '../lib/time-format.js';
import { mergeReports } from '../report/merge.js';
import { parseNodeReport } from '../report/parse.js';
import type { FleetReport, FleetRow, NodeReport } from '../report/schema.js';
import { renderFleetJson, renderFleetJsonBlocks, renderFleetText, renderFleetTextBlocks } from './fleet-text.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

/** Node reports with the awkward cases: no host, empty and blank CA names, quotes and non-ASCII, missing, expired, external rows. */
function reports(nodes: number, dayOffsets: (i: number, j: number) => number): NodeReport[] {
  const names = ['admin.conf', 'apiserver', 'etcd-"peer"', 'größe', 'front-proxy-client'];
  const cas = ['ca', '', '  ', 'etcd-ca', 'ca'];
  const out: NodeReport[] = [];
  for (let i = 0; i < nodes; i++) {
    const certificates = names.map((name, j) => {
      const missing = (i + j) % 7 === 0;
      const at = new Date(NOW + dayOffsets(i, j) * DAY + (i % 3) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      return { name, expirationDate: missing ? null : at, residualTime: 0, externallyManaged: (i + j) % 5 === 0, caName: cas[j], missing };
    });
    const doc = {
      kind: 'CertificateExpirationInfo', apiVersion: 'output.kubeadm.k8s.io/v1alpha3', certificates, certificateAuthorities: [],
      kubecerts: { nodeName: `node-${i % (nodes - 1)}`, hostname: i % 4 === 0 ? '' : `host ${i}.example` },
    };
    out.push(parseNodeReport(`/r/n${i}.json`, JSON.stringify(doc), NOW) as NodeReport);
  }
  return out;
}

// the straightforward forms the renderers must match byte for byte
const rowObject = (x: FleetRow): object => ({
  node: x.node, host: x.host, file: x.file, type: x.kind, name: x.name, caName: x.caName,
  expirationDate: x.expirationDate, residualTime: x.residualSeconds, externallyManaged: x.externallyManaged, missing: x.missing,
});
function referenceJson(r: FleetReport): string {
  const head = JSON.stringify({ kind: 'FleetCertificateExpiration', apiVersion: 'kubecerts.io/v1alpha1', time: r.now.toISOString().replace(/\.\d{3}Z$/, 'Z'), totals: r.totals }, null, 2).slice(0, -2);
  const rows = r.rows.map((x) => `    ${JSON.stringify(rowObject(x))}`).join(',\n');
  const bad = r.bad.map((b) => `    ${JSON.stringify(b)}`).join(',\n');
  return `${head},\n  "certificates": [${rows ? `\n${rows}\n  ` : ''}],\n  "unreadable": [${bad ? `\n${bad}\n  ` : ''}]\n}\n`;
}
function referenceTableLines(r: FleetReport): string {
  const residual = (s: number): string => (s <= 0 ? 'expired' : formatResidual(s));
  const status = (x: FleetRow): string => (x.missing ? 'missing' : x.residualSeconds <= 0 ? 'EXPIRED' : x.externallyManaged ? 'external' : '');
  const cells = (x: FleetRow): string[] => [
    x.node, x.host || '-', x.name, x.kind, x.expiresAt === null ? '-' : formatExpiryDate(new Date(x.expiresAt)),
    x.expiresAt === null || x.missing ? '-' : residual(x.residualSeconds), x.caName || '-', status(x),
  ];
  const head = ['NODE', 'HOST', 'NAME', 'TYPE', 'EXPIRES', 'RESIDUAL TIME', 'CA', 'STATUS'];
  const rows = r.rows.map(cells);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string => (c.slice(0, -1).map((t, i) => t.padEnd((widths[i] as number) + 3)).join('') + (c[c.length - 1] as string)).trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}

describe('fleet report output', () => {
  it('JSON and table, streamed block by block, are what the one-row-at-a-time forms give', () => {
    // 256 nodes make 1,280 rows: output blocks of 256 lines end exactly at the last row; 257 and 700 leave a part block
    for (const count of [0, 1, 3, 256, 257, 700]) {
      const merged = mergeReports(count ? reports(count, (i, j) => ((i * 37 + j * 11) % 400) - 5) : [], [{ file: '/r/bad.json', error: 'not JSON: "x"' }], new Date(NOW), 30 * DAY);
      expect([...renderFleetJsonBlocks(merged)].join('')).toBe(referenceJson(merged));
      expect(renderFleetJson(merged)).toBe(referenceJson(merged));
      const table = [...renderFleetTextBlocks(merged)].join('');
      expect(renderFleetText(merged)).toBe(table);
      expect(table.startsWith(referenceTableLines(merged))).toBe(true);
      expect(table.slice(referenceTableLines(merged).length)).toMatch(/^\nunreadable report \/r\/bad\.json: not JSON: "x"\n\n\d+ node\(s\)/);
    }
  });

  it('sorts by residual time, missing last, ties by node then name, also with residual times hundreds of thousands of days apart', () => {
    // 2e5 days: -3 and +5 times that stay within the years 0-9999 an RFC 3339 expirationDate can hold
    for (const spread of [1, 2e5]) {
      const rs = reports(300, (i, j) => (((i * 13 + j * 7) % 9) - 3) * (j === 2 ? spread : 1));
      const rows = mergeReports(rs, [], new Date(NOW), 0).rows;
      const want = rs.flatMap((r) => r.rows).map((x, i) => ({ x, i })).sort((a, b) => {
        const ka = a.x.missing ? Infinity : a.x.residualSeconds;
        const kb = b.x.missing ? Infinity : b.x.residualSeconds;
        if (ka !== kb) return ka < kb ? -1 : 1;
        if (a.x.node !== b.x.node) return a.x.node < b.x.node ? -1 : 1;
        if (a.x.name !== b.x.name) return a.x.name < b.x.name ? -1 : 1;
        return a.i - b.i;
      });
      expect(rows).toEqual(want.map((w) => w.x));
    }
  });
});
