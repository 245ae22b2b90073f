/**
 * The agent on one node (--lock none): --renew-before as a window or a lifetime fraction, the textfile scraped by
 * the real node_exporter (Debian) and linted by promtool, SIGKILL at random moments never leaving a partial file,
 * clean SIGTERM in loop mode; the generated systemd units (systemd-analyze verify) and DaemonSet (kubernetes-models
 * plus our own assertions); the example alert rules (promtool) and the Grafana dashboard, whose queries may name only
 * metrics kubecerts writes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireInADay, expirations, startAgent } from '../helpers/agent.js';
import { BIN, initPki, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { REPO, tempDir } from '../helpers/tmp.js';

const promtool = (args: string[], input?: string): { code: number | null; out: string } => {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: REPO });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};
const LAST_LINE = /\nkubecerts_agent_certificates_due \d+\n$/;

describe('kubecerts agent on one node', () => {
  let node: string;
  let tf: string;
  const flags = (): string[] => ['--cert-dir', join(node, 'pki'), '--kubeconfig-dir', node, '--manifests-dir', join(node, 'manifests'), '--lock', 'none', '--textfile-dir', tf, '--node-name', 'cp1'];
  beforeAll(async () => {
    node = tempDir();
    await initPki(node);
    tf = join(node, 'textfile');
    mkdirSync(tf);
  });

  it('--renew-before: a fresh PKI is not due with 30d or 2/3; a tiny fraction of the lifetime is', async () => {
    const before = await expirations(node);
    for (const rb of ['720h', '2/3']) {
      const r = await startAgent(['--once', ...flags(), '--renew-before', rb]).done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.lines.find((l) => l.msg === 'checked')?.['due']).toEqual([]);
      expect(r.lines.some((l) => l.msg === 'lock acquired')).toBe(false);
    }
    expect(await expirations(node)).toEqual(before);
    // a hundred-millionth of a year (0.3 s) has passed since init: every leaf and kubeconfig is due
    const oldCert = readFileSync(join(node, 'pki', 'apiserver.crt'), 'utf8');
    const r = await startAgent(['--once', ...flags(), '--renew-before', '1/100000000']).done;
    expect(r.code, r.stderr).toBe(0);
    expect((r.lines.find((l) => l.msg === 'checked')?.['due'] as string[]).length).toBe(11);
    // renewed: a new certificate (its NotAfter can equal the old one to the second on a fast machine)
    expect(readFileSync(join(node, 'pki', 'apiserver.crt'), 'utf8')).not.toBe(oldCert);
    const backup = r.lines.find((l) => l.msg === 'renewed')?.['backup'] as string;
    expect(readdirSync(join(backup, 'pki'))).toContain('apiserver.crt');
  });

  it('node_exporter scrapes the textfile; promtool check metrics passes; SIGKILL at any moment never leaves a partial file', async () => {
    await expireInADay(node);
    const first = await startAgent(['--once', ...flags()]).done;
    expect(first.code, first.stderr).toBe(0);
    const port = await freePort();
    const exporter: ChildProcess = spawn('prometheus-node-exporter', ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${tf}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const scrape = async (): Promise<string> => {
      for (let i = 0; ; i++) {
        try {
          return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        } catch (err) {
          if (i > 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    try {
      const text = readFileSync(join(tf, 'kubecerts.prom'), 'utf8');
      const lint = promtool(['check', 'metrics'], text);
      expect(lint.code, lint.out).toBe(0);
      const scraped = await scrape();
      expect(scraped).toMatch(/^kubecerts_certificate_expiration_timestamp_seconds\{ca="ca",name="apiserver",path="[^"]+apiserver\.crt",type="certificate"\} [\d.e+]+$/m);
      expect(scraped).toMatch(/^kubecerts_agent_last_run_success 1$/m);
      expect(scraped).toMatch(/^kubecerts_agent_info\{lock="none",node="cp1",version="[^"]+"\} 1$/m);
      expect(scraped).toMatch(/^node_textfile_scrape_error 0$/m);
      const kubecertsLines = scraped.split('\n').filter((l) => /kubecerts_/.test(l)).join('\n');
      expect(promtool(['check', 'metrics'], `${kubecertsLines}\n`).code).toBe(0);

      // a reader polls the file while agents are killed at random moments, in the middle of their runs
      let reads = 0;
      let polling = true;
      const bad: string[] = [];
      const poller = (async () => {
        while (polling) {
          const t = readFileSync(join(tf, 'kubecerts.prom'), 'utf8');
          reads++;
          if (!LAST_LINE.test(t)) bad.push(t.slice(-200));
          await new Promise((r) => setImmediate(r));
        }
      })();
      let killedMidRun = 0;
      for (let i = 0; i < 12; i++) {
        const run = startAgent(['--once', ...flags(), '--renew-before', i % 2 === 0 ? '400d' : '30d']);
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 120)));
        if (run.child.exitCode === null) {
          run.child.kill('SIGKILL');
          killedMidRun++;
        }
        await run.done;
        expect(readdirSync(tf).filter((f) => f.endsWith('.prom'))).toEqual(['kubecerts.prom']);
        expect(promtool(['check', 'metrics'], readFileSync(join(tf, 'kubecerts.prom'), 'utf8')).code).toBe(0);
        expect(await scrape()).toMatch(/^node_textfile_scrape_error 0$/m);
      }
      polling = false;
      await poller;
      expect(killedMidRun).toBeGreaterThan(6);
      expect(reads).toBeGreaterThan(100);
      expect(bad).toEqual([]);
      // the interrupted renewals are completed by the next run, and the node checks clean
      const after = await startAgent(['--once', ...flags()]).done;
      expect(after.code, after.stderr).toBe(0);
      expect((await runCli(['certs', 'check-expiration', '--cert-dir', join(node, 'pki'), '--kubeconfig-dir', node, '--fail-within', '300d'])).code).toBe(0);
    } finally {
      exporter.kill();
    }
  });

  it('loop mode: a jittered period, and SIGTERM ends it cleanly while it sleeps', async () => {
    const run = startAgent([...flags(), '--period', '1h']);
    const sleeping = await run.waitFor('sleeping');
    expect(sleeping['seconds'] as number).toBeGreaterThanOrEqual(3600);
    expect(sleeping['seconds'] as number).toBeLessThanOrEqual(3960);
    const t = Date.now();
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(Date.now() - t).toBeLessThan(3000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received: finishing the current step, starting no new one', 'stopped']));
  });

  it('structured logs: logfmt by default, JSON lines with --log-format json', async () => {
    const r = await runCli(['agent', '--once', ...flags()]);
    expect(r.code, r.stderr).toBe(0);
    for (const l of r.stderr.trim().split('\n')) expect(l).toMatch(/^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=(info|warn|error) msg=\S/);
    const usage = await runCli(['agent', '--once', ...flags(), '--renew-before', '3/2']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--renew-before');
  });
});

describe('ways to run the agent', () => {
  it('agent systemd: a service and timer that systemd-analyze verify accepts without a warning', async () => {
    const dir = tempDir();
    const r = await runCli(['agent', 'systemd', '--out-dir', dir, '--binary', BIN, '--textfile-dir', '/var/lib/prometheus/node-exporter', '--renew-before', '2/3', '--period', '2h']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['kubecerts-agent.service', 'kubecerts-agent.timer']);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'kubecerts-agent.service'), join(dir, 'kubecerts-agent.timer')], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stderr).not.toMatch(/unknown|ignoring|invalid/i);
    const service = readFileSync(join(dir, 'kubecerts-agent.service'), 'utf8');
    expect(service).toContain(`ExecStart=${BIN} agent --once --textfile-dir /var/lib/prometheus/node-exporter --renew-before 2/3\n`);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^ReadWritePaths=\/etc\/kubernetes \/var\/lib\/prometheus\/node-exporter$/m);
    const timer = readFileSync(join(dir, 'kubecerts-agent.timer'), 'utf8');
    expect(timer).toMatch(/^OnUnitActiveSec=7200s$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=720s$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    // a broken unit is caught, so the check above means something
    writeFileSync(join(dir, 'kubecerts-agent.service'), service.replace('Type=oneshot', 'Type=sometimes'));
    const broken = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'kubecerts-agent.service')], { encoding: 'utf8' });
    expect(broken.stderr).toMatch(/Type|sometimes/);
  });

  it('agent manifest: a DaemonSet the Kubernetes schema accepts, for control-plane nodes only, with the host paths and no more privilege', async () => {
    const r = await runCli(['agent', 'manifest', '--image', 'registry.example/kubecerts:1.2.3', '--textfile-dir', '/var/lib/node_exporter/textfile', '--renew-before', '2/3']);
    expect(r.code, r.stderr).toBe(0);
    const docs = yaml.loadAll(r.stdout) as Record<string, any>[];
    expect(docs.map((d) => d['kind'])).toEqual(['Namespace', 'ServiceAccount', 'DaemonSet']);
    const { Namespace } = await import('kubernetes-models/v1/Namespace');
    const { ServiceAccount } = await import('kubernetes-models/v1/ServiceAccount');
    const { DaemonSet } = await import('kubernetes-models/apps/v1/DaemonSet');
    new Namespace(docs[0]).validate();
    new ServiceAccount(docs[1]).validate();
    const ds = docs[2] as any;
    new DaemonSet(ds).validate();
    // the schema catches what matters (so the validation above is real): no selector, a wrong type
    expect(() => new DaemonSet({ ...ds, spec: { ...ds.spec, selector: undefined } }).validate()).toThrow();
    expect(() => new DaemonSet({ ...ds, spec: { ...ds.spec, template: { ...ds.spec.template, spec: { ...ds.spec.template.spec, hostPID: 'yes' } } } }).validate()).toThrow();
    // what the schema does not check: the selector matches the pod labels, and the fields we rely on
    const pod = ds.spec.template.spec;
    for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) expect(ds.spec.template.metadata.labels[k]).toBe(v);
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.image).toBe('registry.example/kubecerts:1.2.3');
    expect(c.args.slice(0, 3)).toEqual(['--rootfs', '/host', 'agent']);
    expect(c.args).toEqual(expect.arrayContaining(['--textfile-dir', '/var/lib/node_exporter/textfile', '--renew-before', '2/3']));
    expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['DAC_OVERRIDE', 'CHOWN', 'FOWNER'] } });
    const hostPaths = Object.fromEntries(pod.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(Object.values(hostPaths).sort()).toEqual(['/etc/kubernetes', '/var/lib/kubelet/pki', '/var/lib/node_exporter/textfile']);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m]));
    for (const [name, path] of Object.entries(hostPaths)) expect(mounts[name].mountPath).toBe(`/host${path}`);
    expect(mounts['kubelet-pki'].readOnly).toBe(true);
    expect(mounts['etc-kubernetes'].readOnly).toBe(false);
    // the image default is the one the repository's Dockerfile builds, at this version
    const dflt = yaml.loadAll((await runCli(['agent', 'manifest'])).stdout) as any[];
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(dflt[2].spec.template.spec.containers[0].image).toBe(`ghcr.io/kubecerts/kubecerts:${version}`);
    expect(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).toContain('ENTRYPOINT ["/usr/local/bin/kubecerts"]');
  });
});

describe('example alert rules and Grafana dashboard', () => {
  const exported = new Set<string>();
  beforeAll(async () => {
    // every metric name kubecerts writes: a good run and a failed run of the agent (the error metric)
    const node = tempDir();
    await initPki(node);
    const tf = join(node, 'tf');
    for (const extra of [['--lock', 'none'], ['--lock', 'etcd', '--etcd-endpoints', 'https://127.0.0.1:9', '--etcd-timeout', '1s', '--renew-before', '400d']]) {
      await runCli(['agent', '--once', '--cert-dir', join(node, 'pki'), '--kubeconfig-dir', node, '--textfile-dir', tf, ...extra]);
      for (const m of readFileSync(join(tf, 'kubecerts.prom'), 'utf8').matchAll(/^# TYPE (\S+) /gm)) exported.add(m[1] as string);
    }
  });
  afterAll(() => undefined);

  it('promtool accepts the rules and their unit tests pass', () => {
    const check = promtool(['check', 'rules', 'examples/prometheus/kubecerts.rules.yaml']);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain('SUCCESS: 6 rules found');
    const test = spawnSync('promtool', ['test', 'rules', 'kubecerts.rules.test.yaml'], { cwd: join(REPO, 'examples', 'prometheus'), encoding: 'utf8' });
    expect(test.status, `${test.stdout}${test.stderr}`).toBe(0);
  });

  const metricNames = (expr: string): string[] => {
    const stripped = expr
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\{[^}]*\}/g, '')
      .replace(/\[[^\]]*\]/g, '')
      .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
    const words = [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)].filter((m) => m[1] === undefined).map((m) => m[0]);
    return words.filter((w) => !['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'e', 'Inf', 'NaN'].includes(w));
  };

  it('every query of the dashboard and the rules names only metrics kubecerts exports', () => {
    expect(exported).toEqual(new Set([
      'kubecerts_certificate_expiration_timestamp_seconds', 'kubecerts_certificate_not_before_timestamp_seconds', 'kubecerts_certificate_missing',
      'kubecerts_certificate_unreadable', 'kubecerts_certificate_key_mismatch', 'kubecerts_certificate_externally_managed',
      'kubecerts_pending_journal', 'kubecerts_last_check_timestamp_seconds',
      'kubecerts_agent_info', 'kubecerts_agent_last_run_timestamp_seconds', 'kubecerts_agent_last_success_timestamp_seconds', 'kubecerts_agent_last_run_success',
      'kubecerts_agent_last_error', 'kubecerts_agent_lock_held', 'kubecerts_agent_lock_up', 'kubecerts_agent_certificates_due',
    ]));
    const dash = JSON.parse(readFileSync(join(REPO, 'examples', 'grafana', 'kubecerts-dashboard.json'), 'utf8')) as any;
    const exprs: string[] = [];
    for (const p of dash.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) exprs.push(t.expr);
    }
    for (const v of dash.templating.list) if (v.type === 'query') exprs.push(String(v.query.query).replace(/^label_values\(([^,]+),.*$/, '$1'));
    const rules = yaml.load(readFileSync(join(REPO, 'examples', 'prometheus', 'kubecerts.rules.yaml'), 'utf8')) as any;
    for (const g of rules.groups) for (const r of g.rules) exprs.push(r.expr);
    const used = new Set<string>();
    for (const e of exprs) {
      const names = metricNames(e);
      expect(names.length, e).toBeGreaterThan(0);
      for (const n of names) {
        expect(exported.has(n), `${n} in ${e}`).toBe(true);
        used.add(n);
      }
    }
    // and the check itself rejects a foreign name
    expect(metricNames('sum(node_textfile_mtime_seconds{job="x"}) by (instance)')).toEqual(['node_textfile_mtime_seconds']);
    expect(used.size).toBeGreaterThanOrEqual(10);
  });
});
