import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IContainer } from 'kubernetes-models/v1';
import type { Report } from './policy.ts';
import type { K8sObject } from './render.ts';

/** Backends a container's variable names, by the port they listen on. */
const BACKENDS: ReadonlyArray<[variable: string, port: number, what: string]> = [
  ['CUSTOMER_DB_URL', 5432, 'PostgreSQL'],
  ['MCP_REDIS_URL', 6379, 'Redis'],
];

/** With egress restricted, the pods still reach DNS and every backend their environment names. */
export function egressViolations(
  egressPolicies: ReadonlyArray<INetworkPolicy & K8sObject>,
  containers: ReadonlyArray<IContainer>,
  name: string,
  report: Report,
) {
  if (egressPolicies.length === 0) return;
  // policies add up: a port is open when any rule of any of them opens it (a rule with no ports
  // opens every port)
  const rules = egressPolicies.flatMap((p) => p.spec?.egress ?? []);
  const open = (port: number, protocol: string) =>
    rules.some(
      (rule) =>
        !rule.ports?.length || rule.ports.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol),
    );
  if (!open(53, 'UDP') || !open(53, 'TCP')) report('egress', name, 'DNS (53, UDP and TCP) is not open');
  for (const [variable, port, what] of BACKENDS) {
    const wanted = containers.some((c) => c.env?.some((v) => v.name === variable));
    if (wanted && !open(port, 'TCP'))
      report('egress', name, `${variable} is set but ${what} (${port}) is not open`);
  }
}
