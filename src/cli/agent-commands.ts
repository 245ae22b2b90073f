/**
 * Registers the commands beyond one node: `agent` (with `agent systemd` and `agent manifest`, which print ways to
 * run it) and `fleet report|scan`. Kept apart from program.ts so that file only calls `registerAgentCommands`.
 */
import { Argument, Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { helpFooter } from './help.js';
import type { RunCommand } from './node-commands.js';
import { certDirOption, configOption, kubeconfigDirOption } from './options.js';

/** The flags of `agent` that `agent systemd` and `agent manifest` pass on to the agent they run. */
export function addAgentRunFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--textfile-dir <dir>', 'write the metrics to <dir>/kubecerts.prom atomically, for node_exporter\'s textfile collector (default: none)'))
    .addOption(new Option('--renew-before <when>', 'renew a certificate this long before it expires (e.g. 720h, 30d) or once this fraction of its lifetime has passed (e.g. 2/3) (default: "720h")'))
    .addOption(new Option('--lock <kind>', 'cluster lock: etcd (an election in the cluster\'s etcd) or none (one node) (default: etcd when <manifests-dir>/etcd.yaml exists or --etcd-endpoints is given, else none)').choices(['etcd', 'none']))
    .addOption(new Option('--etcd-endpoints <urls>', 'etcd client URLs for the lock, comma-separated (default: the client URL of <manifests-dir>/etcd.yaml, else "https://127.0.0.1:2379")'))
    .addOption(new Option('--period <duration>', 'time between runs of the loop, plus jitter (default: "1h")'))
    .addOption(new Option('--log-format <format>', 'log lines on stderr: text (logfmt) or json (default: "text")').choices(['text', 'json']));
}

export function registerAgentCommands(program: Command, run: RunCommand): void {
  const agent = addAgentRunFlags(
    new Command('agent')
      .description('per-node loop: check, write metrics, and renew + restart what is due under a cluster-wide lock, one node at a time')
      .addOption(certDirOption())
      .addOption(configOption())
      .addOption(kubeconfigDirOption())
      .addOption(new Option('--node-name <name>', 'this node\'s name in logs, metrics and the lock holder (default: nodeRegistration.name from --config, else the hostname)'))
      .addOption(new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")'))
      .addOption(new Option('--holding-dir <dir>', 'where a restart holds a manifest while it is out (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'))
      .addOption(new Option('--once', 'one run, then exit with its code (for a systemd timer or cron) (default: loop)')),
  )
    .addOption(new Option('--jitter <fraction>', 'random extra wait of up to this fraction of --period (default: "0.1")'))
    .addOption(new Option('--lock-name <name>', 'election name: the etcd keys are election/<name>/… (default: "kubecerts-renew")'))
    .addOption(new Option('--lock-ttl <duration>', 'lease TTL: a dead holder frees the lock after this long (default: "60s", at least 5s)'))
    .addOption(new Option('--lock-wait <duration>', 'how long a run waits for the lock before it gives up (exit 4) (default: "10m" with --once, else "1h")'))
    .addOption(new Option('--etcd-timeout <duration>', 'bound of each etcd call and of the quorum check (default: "5s")'))
    .addOption(new Option('--restart-timeout <duration>', 'bound of each wait for a component to stop or come back (default: "90s")'))
    .addOption(new Option('--probe-timeout <duration>', 'bound of each health probe during a restart (default: "2s")'))
    .addHelpText('after', helpFooter([
      'kubecerts agent --textfile-dir /var/lib/prometheus/node-exporter',
      'kubecerts agent --once --renew-before 2/3 --log-format json',
      'etcdctl lock election/kubecerts-renew -- sleep 3600   # pause every agent for an hour',
    ], [0, 1, 4]))
    .action(run(() => import('./commands/agent.js')));
  program.addCommand(agent);
  agent.addCommand(
    addAgentRunFlags(new Command('systemd'))
      .description('print a systemd service and timer that run `kubecerts agent --once` (files separated by "# ---- <name>" lines)')
      .addOption(new Option('--binary <path>', 'the kubecerts the units run (default: "/usr/local/bin/kubecerts")'))
      .addOption(new Option('--out-dir <dir>', 'write kubecerts-agent.service and kubecerts-agent.timer there instead of printing them (default: stdout)'))
      .addHelpText('after', helpFooter(['kubecerts agent systemd --out-dir /etc/systemd/system && systemctl enable --now kubecerts-agent.timer']))
      .action(run(() => import('./commands/agent-systemd.js'))),
  );
  agent.addCommand(
    addAgentRunFlags(new Command('manifest'))
      .description('print a DaemonSet (with its Namespace and ServiceAccount) that runs the agent on every control-plane node')
      .addOption(new Option('--image <image>', 'container image built from the repository\'s Dockerfile (default: "ghcr.io/kubecerts/kubecerts:<version>")'))
      .addOption(new Option('--namespace <ns>', 'namespace, created with the privileged Pod Security level hostPath needs (default: "kubecerts")'))
      .addHelpText('after', helpFooter(['kubecerts agent manifest --image registry.example/kubecerts:0.1.0 | kubectl apply -f -']))
      .action(run(() => import('./commands/agent-manifest.js'))),
  );

  const fleet = new Command('fleet')
    .description('many nodes: report (merge check-expiration -o json of many nodes), scan (served certificates of endpoints)')
    .addHelpText('after', helpFooter(['kubecerts fleet report reports/', 'kubecerts fleet scan 10.0.0.5:6443 10.0.0.5:2379']));
  program.addCommand(fleet);
  // a bare `fleet` prints its help and succeeds, as the other command groups do
  fleet.allowExcessArguments(true).action((...args: unknown[]) => {
    const extra = (args[args.length - 1] as Command).args;
    if (extra.length > 0) throw new UsageError(`unknown command "${extra[0]}" for "kubecerts fleet"`);
    fleet.outputHelp();
  });
  fleet.addCommand(
    new Command('report')
      .description('merge nodes\' `certs check-expiration -o json --add-node-info` files into one table sorted by residual time')
      .addArgument(new Argument('<path...>', 'report files, or folders whose *.json files are read'))
      .addOption(new Option('-o, --output <format>', 'output format (default: "text")').choices(['text', 'json', 'yaml']))
      .addOption(new Option('--fail-within <duration>', 'exit 3 when a certificate expires within this window, e.g. 30d (default: only when one has expired)'))
      .addHelpText('after', helpFooter(['kubecerts fleet report reports/*.json', 'kubecerts fleet report reports/ -o json'], [0, 1, 3]))
      .action(run(() => import('./commands/fleet-report.js'))),
  );
  fleet.addCommand(
    new Command('scan')
      .description('TLS handshake with each endpoint: expiry and issuer of the served certificate chain (no verification, nothing sent)')
      .addArgument(new Argument('<host:port...>', 'endpoints'))
      .addOption(new Option('-o, --output <format>', 'output format (default: "text")').choices(['text', 'json', 'yaml']))
      .addOption(new Option('--timeout <duration>', 'bound of each connect and handshake (default: "5s")'))
      .addOption(new Option('--parallel <n>', 'handshakes at once (default: 32)'))
      .addOption(new Option('--fail-within <duration>', 'exit 3 when a served certificate expires within this window (default: only when one has expired)'))
      .addHelpText('after', helpFooter(['kubecerts fleet scan 10.0.0.5:6443 10.0.0.6:6443 10.0.0.7:2379', 'kubecerts fleet scan -o json $(cat endpoints.txt)'], [0, 1, 3]))
      .action(run(() => import('./commands/fleet-scan.js'))),
  );
}
