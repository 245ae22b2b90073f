/**
 * Registers the commands beyond one node: `agent` (with `agent systemd` and `agent manifest`, which print ways to
 * run it) and `fleet report|scan`. Kept apart from program.ts so that file only calls `registerAgentCommands`.
 */
import { Argument, Option, type Command } from 'commander';
import { defineCommand, defineGroup, refuseExtra, type RunCommand } from './command-def.js';
import { certDirOption, configOption, kubeconfigDirOption } from './options.js';

/** The flags of `agent` that `agent systemd` and `agent manifest` pass on to the agent they run. */
const agentRunFlags = (): Option[] => [
  new Option('--textfile-dir <dir>', 'write the metrics to <dir>/kubecerts.prom atomically, for node_exporter\'s textfile collector (default: none)'),
  new Option('--renew-before <when>', 'renew a certificate this long before it expires (e.g. 720h, 30d) or once this fraction of its lifetime has passed (e.g. 2/3) (default: "720h")'),
  new Option('--lock <kind>', 'cluster lock: etcd (an election in the cluster\'s etcd) or none (one node) (default: etcd when <manifests-dir>/etcd.yaml exists or --etcd-endpoints is given, else none)').choices(['etcd', 'none']),
  new Option('--etcd-endpoints <urls>', 'etcd client URLs for the lock, comma-separated (default: the client URL of <manifests-dir>/etcd.yaml, else "https://127.0.0.1:2379")'),
  new Option('--period <duration>', 'time between runs of the loop, plus jitter (default: "1h")'),
  new Option('--log-format <format>', 'log lines on stderr: text (logfmt) or json (default: "text")').choices(['text', 'json']),
];
const outputOption = (): Option => new Option('-o, --output <format>', 'output format (default: "text")').choices(['text', 'json', 'yaml']);
const failWithin = (what: string): Option => new Option('--fail-within <duration>', `exit 3 when ${what}`);

export function registerAgentCommands(program: Command, run: RunCommand): void {
  const agent = defineCommand({
    name: 'agent',
    description: 'per-node loop: check, write metrics, and renew + restart what is due under a cluster-wide lock, one node at a time',
    options: [
      certDirOption(), configOption(), kubeconfigDirOption(),
      new Option('--node-name <name>', 'this node\'s name in logs, metrics and the lock holder (default: nodeRegistration.name from --config, else the hostname)'),
      new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")'),
      new Option('--holding-dir <dir>', 'where a restart holds a manifest while it is out (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'),
      new Option('--once', 'one run, then exit with its code (for a systemd timer or cron) (default: loop)'),
      ...agentRunFlags(),
      new Option('--jitter <fraction>', 'random extra wait of up to this fraction of --period (default: "0.1")'),
      new Option('--lock-name <name>', 'election name: the etcd keys are election/<name>/… (default: "kubecerts-renew")'),
      new Option('--lock-ttl <duration>', 'lease TTL: a dead holder frees the lock after this long (default: "60s", at least 5s)'),
      new Option('--lock-wait <duration>', 'how long a run waits for the lock before it gives up (exit 4) (default: "10m" with --once, else "1h")'),
      new Option('--etcd-timeout <duration>', 'bound of each etcd call and of the quorum check (default: "5s")'),
      new Option('--restart-timeout <duration>', 'bound of each wait for a component to stop or come back (default: "90s")'),
      new Option('--probe-timeout <duration>', 'bound of each health probe during a restart (default: "2s")'),
    ],
    examples: [
      'kubecerts agent --textfile-dir /var/lib/prometheus/node-exporter',
      'kubecerts agent --once --renew-before 2/3 --log-format json',
      'etcdctl lock election/kubecerts-renew -- sleep 3600   # pause every agent for an hour',
    ],
    exitCodes: [0, 1, 4],
    load: () => import('./commands/agent.js'),
  }, run);
  program.addCommand(agent);
  agent.addCommand(defineCommand({
    name: 'systemd',
    description: 'print a systemd service and timer that run `kubecerts agent --once` (files separated by "# ---- <name>" lines)',
    options: [
      ...agentRunFlags(),
      new Option('--binary <path>', 'the kubecerts the units run (default: "/usr/local/bin/kubecerts")'),
      new Option('--out-dir <dir>', 'write kubecerts-agent.service and kubecerts-agent.timer there instead of printing them (default: stdout)'),
    ],
    examples: ['kubecerts agent systemd --out-dir /etc/systemd/system && systemctl enable --now kubecerts-agent.timer'],
    load: () => import('./commands/agent-systemd.js'),
  }, run));
  agent.addCommand(defineCommand({
    name: 'manifest',
    description: 'print a DaemonSet (with its Namespace and ServiceAccount) that runs the agent on every control-plane node',
    options: [
      ...agentRunFlags(),
      new Option('--image <image>', 'container image built from the repository\'s Dockerfile (default: "ghcr.io/kubecerts/kubecerts:<version>")'),
      new Option('--namespace <ns>', 'namespace, created with the privileged Pod Security level hostPath needs (default: "kubecerts")'),
    ],
    examples: ['kubecerts agent manifest --image registry.example/kubecerts:0.1.0 | kubectl apply -f -'],
    load: () => import('./commands/agent-manifest.js'),
  }, run));

  const fleet = defineGroup('fleet', 'many nodes: report (merge check-expiration -o json of many nodes), scan (served certificates of endpoints)', ['kubecerts fleet report reports/', 'kubecerts fleet scan 10.0.0.5:6443 10.0.0.5:2379']);
  program.addCommand(fleet);
  // a bare `fleet` prints its help and succeeds, as the other command groups do
  fleet.allowExcessArguments(true).action((...args: unknown[]) => {
    refuseExtra(args, 'kubecerts fleet');
    fleet.outputHelp();
  });
  fleet.addCommand(defineCommand({
    name: 'report',
    description: 'merge nodes\' `certs check-expiration -o json --add-node-info` files into one table sorted by residual time',
    args: [new Argument('<path...>', 'report files, or folders whose *.json files are read')],
    options: [outputOption(), failWithin('a certificate expires within this window, e.g. 30d (default: only when one has expired)')],
    examples: ['kubecerts fleet report reports/*.json', 'kubecerts fleet report reports/ -o json'],
    exitCodes: [
      [0, 'every report read; no certificate has expired or expires within --fail-within'],
      [1, 'a file could not be read or is not a check-expiration report (that node could hold anything); wins over 3'],
      2,
      [3, 'a certificate has expired or expires within --fail-within'],
    ],
    load: () => import('./commands/fleet-report.js'),
  }, run));
  fleet.addCommand(defineCommand({
    name: 'scan',
    description: 'TLS handshake with each endpoint: expiry and issuer of the served certificate chain (no verification, nothing sent)',
    args: [new Argument('<host:port...>', 'endpoints')],
    options: [
      outputOption(),
      new Option('--timeout <duration>', 'bound of each connect and handshake (default: "5s")'),
      new Option('--parallel <n>', 'handshakes at once (default: 32)'),
      failWithin('a served certificate expires within this window (default: only when one has expired)'),
    ],
    examples: ['kubecerts fleet scan 10.0.0.5:6443 10.0.0.6:6443 10.0.0.7:2379', 'kubecerts fleet scan -o json $(cat endpoints.txt)'],
    exitCodes: [
      [0, 'every endpoint answered; no served certificate has expired or expires within --fail-within'],
      [1, 'an endpoint could not be reached or its TLS handshake failed; wins over 3'],
      2,
      [3, 'a served certificate has expired or expires within --fail-within'],
    ],
    load: () => import('./commands/fleet-scan.js'),
  }, run));
}
