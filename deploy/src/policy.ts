import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { podViolations } from './pod-policy.ts';
import type { K8sObject } from './render.ts';
import { wiringViolations } from './wiring-policy.ts';

/** One broken rule: which, on what, and what is wrong. */
export interface Violation {
  rule: RuleId;
  object: string;
  message: string;
}

/** The rules a reviewer checks in these manifests, by id (the tests break each one on purpose). */
export const RULES = {
  'known-service': 'each container is a service of the stack, on its contract port',
  probes: 'startup and liveness probes on /healthz, readiness on /readyz (users-api: /healthz)',
  'probe-port':
    "every probe's port is one of the container's ports: the ops port when MCP_METRICS_PORT is set",
  resources: 'cpu and memory requests and limits, requests within limits',
  'non-root': 'runs as a non-root user',
  'read-only-root': 'a read-only root filesystem, with an emptyDir on /tmp',
  'privilege-escalation': 'no privilege escalation, not privileged',
  capabilities: 'every capability dropped, none added',
  seccomp: 'the RuntimeDefault seccomp profile',
  'service-account-token': 'no service account token mounted',
  'service-links': 'no service-link environment variables (they would set USERS_API_PORT=tcp://…)',
  secrets: 'secrets come from Secrets by reference, never as values in the manifests',
  shutdown:
    'a pause before the listener closes (MCP_SHUTDOWN_DELAY_MS, or a preStop sleep), and a termination grace longer than it plus the shutdown grace',
  'mcp-http':
    'MCP servers serve stateless HTTP on 0.0.0.0 on their port, probes and metrics on an ops port, answering their Service’s and public host names',
  rollout: 'a replicated Deployment rolls out one new pod before taking an old one away',
  selector: "a Deployment's selector matches its pod template's labels",
  pdb: 'every Deployment has one PodDisruptionBudget, which never blocks a drain of a single replica',
  service: 'every Deployment has a Service selecting its pods, on ports the pods have',
  hpa: 'HPAs target existing Deployments, which leave the replica count to them',
  sqlite: 'a Deployment on a ReadWriteOnce volume runs one replica, Recreate, with no HPA',
  'shared-database':
    'a replicated customer-db shares one PostgreSQL: CUSTOMER_DB_URL from a Secret, no CUSTOMER_DB_PATH (each replica would have a database of its own)',
  egress:
    'an egress NetworkPolicy lets its pods reach DNS (53) and the backends their variables name: PostgreSQL (5432) for CUSTOMER_DB_URL, Redis (6379) for MCP_REDIS_URL',
  'network-policy': "every Deployment's pods are behind an ingress NetworkPolicy on their own ports",
  'pod-security': 'the namespace enforces the restricted Pod Security Standard; every object is in it',
  upstream: 'USERS_API_URL names the users-api Service and its port',
  image: 'images pinned to a tag (production: from a registry, not :local or :latest)',
  ingress: 'Ingress routes only /mcp and its metadata, to existing Services and ports',
} as const;

export type RuleId = keyof typeof RULES;

/** The stack's services (the contract's ports), and the readiness path each one serves. */
export const SERVICES: Record<
  string,
  { port: number; readiness: string; mcp: boolean; shutdownGraceMs: number }
> = {
  'users-api': { port: 8000, readiness: '/healthz', mcp: false, shutdownGraceMs: 5_000 },
  users: { port: 3001, readiness: '/readyz', mcp: true, shutdownGraceMs: 10_000 },
  'customer-db': { port: 3002, readiness: '/readyz', mcp: true, shutdownGraceMs: 10_000 },
  demo: { port: 3003, readiness: '/readyz', mcp: true, shutdownGraceMs: 10_000 },
};

export interface PolicyOptions {
  /** Production's stricter rules: registry images, public HTTPS URLs, namespaces by label only. */
  production?: boolean;
}

/** Every rule broken by a rendered set of objects (empty: all hold). */
export function checkPolicies(objects: ReadonlyArray<K8sObject>, options: PolicyOptions = {}): Violation[] {
  const violations: Violation[] = [];
  const report = (rule: RuleId, object: string, message: string) =>
    violations.push({ rule, object, message });
  for (const deployment of ofKind<IDeployment>(objects, 'Deployment'))
    podViolations(deployment, options, report);
  wiringViolations(objects, options, report);
  return violations;
}

export type Report = (rule: RuleId, object: string, message: string) => void;

export function ofKind<T>(objects: ReadonlyArray<K8sObject>, kind: string): Array<T & K8sObject> {
  return objects.filter((object) => object.kind === kind) as Array<T & K8sObject>;
}

/** A container's variable, when it is set to a literal value. */
export function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/** Do these labels carry every pair of the selector? */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> = {}) {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value);
}
