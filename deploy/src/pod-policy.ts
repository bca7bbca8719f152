import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer, IProbe } from 'kubernetes-models/v1';
import { envValue, type PolicyOptions, type Report, SERVICES } from './policy.ts';
import type { K8sObject } from './render.ts';

// variables that carry a secret: API keys, tokens, passwords, URLs with credentials in them
const SECRET_VARIABLE = /(?:KEYS?|TOKEN|SECRET|PASSWORD|REDIS_URL|DB_URL)$/;

/** The rules that hold for one Deployment's pods, each container on its own. */
export function podViolations(deployment: IDeployment & K8sObject, options: PolicyOptions, report: Report) {
  const name = `Deployment/${deployment.metadata.name}`;
  const pod = deployment.spec?.template.spec;
  if (!pod) return report('known-service', name, 'no pod template');
  if (pod.automountServiceAccountToken !== false) {
    report('service-account-token', name, 'automountServiceAccountToken is not false');
  }
  if (pod.enableServiceLinks !== false) report('service-links', name, 'enableServiceLinks is not false');
  const podSecurity = pod.securityContext ?? {};
  const tmpVolumes = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));

  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `${name} container ${container.name}`;
    const service = SERVICES[container.name];
    const ports = container.ports ?? [];
    if (!service) {
      report('known-service', where, `not a service of the stack (${Object.keys(SERVICES).join(', ')})`);
    } else if (!ports.some((port) => port.name === 'http' && port.containerPort === service.port)) {
      report('known-service', where, `no port named http on ${service.port}, its contract port`);
    }

    const probes: Array<[string, IProbe | undefined, string]> = [
      ['startupProbe', container.startupProbe, '/healthz'],
      ['livenessProbe', container.livenessProbe, '/healthz'],
      ['readinessProbe', container.readinessProbe, service?.readiness ?? '/readyz'],
    ];
    // with MCP_METRICS_PORT the probes are served there, and the MCP port answers them 404
    const opsPort = envValue(container, 'MCP_METRICS_PORT');
    for (const [kind, probe, path] of probes) {
      if (probe?.httpGet?.path !== path) {
        report(
          'probes',
          where,
          `${kind} is ${probe?.httpGet ? `on ${probe.httpGet.path}` : 'missing'}, not on ${path}`,
        );
      }
      const port = probe?.httpGet?.port;
      const target = ports.find((p) => p.name === port || p.containerPort === port);
      if (port !== undefined && !target) {
        report('probe-port', where, `${kind}'s port ${port} is not one of the container's ports`);
      } else if (target && opsPort !== undefined && String(target.containerPort) !== opsPort) {
        report(
          'probe-port',
          where,
          `${kind} is on port ${target.containerPort}, not MCP_METRICS_PORT ${opsPort}`,
        );
      }
    }

    resourceViolations(container, where, report);

    const security = container.securityContext ?? {};
    const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
    const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
    if (runAsNonRoot !== true || runAsUser === 0) {
      report('non-root', where, `runAsNonRoot is ${runAsNonRoot}, runAsUser ${runAsUser}`);
    }
    if (security.readOnlyRootFilesystem !== true) {
      report('read-only-root', where, 'readOnlyRootFilesystem is not true');
    }
    if (!container.volumeMounts?.some((m) => m.mountPath === '/tmp' && tmpVolumes.has(m.name))) {
      report('read-only-root', where, 'no emptyDir mounted on /tmp');
    }
    if (security.allowPrivilegeEscalation !== false || security.privileged === true) {
      report('privilege-escalation', where, 'allowPrivilegeEscalation is not false, or privileged');
    }
    if (!security.capabilities?.drop?.includes('ALL') || (security.capabilities.add ?? []).length > 0) {
      report('capabilities', where, 'capabilities do not drop ALL, or add some');
    }
    const seccomp = security.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      report('seccomp', where, `seccompProfile is ${seccomp ?? 'unset'}`);
    }

    for (const variable of container.env ?? []) {
      if (
        SECRET_VARIABLE.test(variable.name) &&
        (variable.value !== undefined || !variable.valueFrom?.secretKeyRef)
      ) {
        report('secrets', where, `${variable.name} is not taken from a Secret (secretKeyRef)`);
      }
    }
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) report('secrets', where, 'envFrom a ConfigMap: name each variable instead');
    }

    // a pause between SIGTERM and the listener closing, while the endpoint's removal spreads
    const sleep = container.lifecycle?.preStop?.exec?.command;
    const preStopMs =
      1000 *
      (sleep?.[0] === 'sleep' ? Number(sleep[1]) : (container.lifecycle?.preStop?.sleep?.seconds ?? 0));
    const pauseMs = preStopMs + Number(envValue(container, 'MCP_SHUTDOWN_DELAY_MS') ?? 0);
    const graceMs = Number(
      envValue(container, 'MCP_SHUTDOWN_GRACE_MS') ?? service?.shutdownGraceMs ?? 10_000,
    );
    const termination = pod.terminationGracePeriodSeconds ?? 30;
    if (!(pauseMs > 0)) {
      report(
        'shutdown',
        where,
        'no pause before the listener closes: the endpoint may still get requests then',
      );
    } else if (termination * 1000 <= pauseMs + graceMs) {
      report(
        'shutdown',
        where,
        `terminationGracePeriodSeconds ${termination} is not above ${pauseMs} + ${graceMs} ms`,
      );
    }

    const image = container.image ?? '';
    const tag = /^[^@]+:([\w][\w.-]*)$/.exec(image)?.[1];
    if (!tag && !image.includes('@sha256:')) report('image', where, `${image} has no tag`);
    if (tag === 'latest') report('image', where, `${image}: never :latest`);
    if (options.production && (!/^[^/]+\.[^/]+\//.test(image) || tag === 'local')) {
      report('image', where, `${image}: production pulls a pinned image from a registry`);
    }

    if (service?.mcp) mcpHttpViolations(container, service.port, where, report);
    if (service?.mcp && !ports.some((p) => p.name === 'ops' && String(p.containerPort) === opsPort)) {
      report(
        'mcp-http',
        where,
        'MCP_METRICS_PORT is not set to a port named ops: probes and /metrics beside /mcp',
      );
    }
  }
}

function mcpHttpViolations(container: IContainer, port: number, where: string, report: Report) {
  const expected = { MCP_TRANSPORT: 'http', MCP_HOST: '0.0.0.0', MCP_PORT: String(port) };
  for (const [variable, value] of Object.entries(expected)) {
    if (envValue(container, variable) !== value) report('mcp-http', where, `${variable} is not ${value}`);
  }
  if (envValue(container, 'MCP_STATEFUL')) {
    report('mcp-http', where, 'MCP_STATEFUL: sessions live in one replica; replicas serve stateless HTTP');
  }
}

function resourceViolations(container: IContainer, where: string, report: Report) {
  const { requests = {}, limits = {} } = container.resources ?? {};
  for (const resource of ['cpu', 'memory']) {
    const request = requests[resource];
    const limit = limits[resource];
    if (request === undefined || limit === undefined) {
      report('resources', where, `${resource}: no ${request === undefined ? 'request' : 'limit'}`);
    } else if (Number.isNaN(quantity(request)) || Number.isNaN(quantity(limit))) {
      report('resources', where, `${resource}: ${request} or ${limit} is not a quantity`);
    } else if (quantity(request) > quantity(limit)) {
      report('resources', where, `${resource}: request ${request} above limit ${limit}`);
    }
  }
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A resource quantity (`250m`, `1`, `256Mi`, `1.5Gi`) as a number; NaN when it is not one. */
export function quantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value));
  if (!match) return Number.NaN;
  return Number(match[1]) * (SUFFIX[match[2] ?? ''] ?? Number.NaN);
}
