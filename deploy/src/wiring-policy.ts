import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IIngress, INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IContainer, INamespace, IPersistentVolumeClaim, IService } from 'kubernetes-models/v1';
import { egressViolations } from './egress-policy.ts';
import { envValue, ofKind, type PolicyOptions, type Report, SERVICES, selects } from './policy.ts';
import { type K8sObject, nameOf } from './render.ts';

const CLUSTER_SCOPED = new Set(['Namespace']);

/** The rules that tie objects together: each Deployment with its PDB, Service, HPA, policy, volume. */
export function wiringViolations(objects: ReadonlyArray<K8sObject>, options: PolicyOptions, report: Report) {
  const deployments = ofKind<IDeployment>(objects, 'Deployment');
  const services = ofKind<IService>(objects, 'Service');
  const hpas = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
  const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
  const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
  const claims = ofKind<IPersistentVolumeClaim>(objects, 'PersistentVolumeClaim');

  const namespaces = ofKind<INamespace>(objects, 'Namespace');
  const namespace = namespaces[0]?.metadata.name;
  if (namespaces.length !== 1)
    report('pod-security', 'Namespace', `${namespaces.length} Namespaces, not one`);
  for (const ns of namespaces) {
    if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
      report('pod-security', nameOf(ns), 'does not enforce the restricted Pod Security Standard');
    }
  }
  for (const object of objects) {
    if (!CLUSTER_SCOPED.has(object.kind) && object.metadata.namespace !== namespace) {
      report('pod-security', nameOf(object), `in namespace ${object.metadata.namespace}, not ${namespace}`);
    }
    if (object.kind === 'Secret' || object.kind === 'ConfigMap') {
      report(
        'secrets',
        nameOf(object),
        'manifests carry no Secret or ConfigMap values: reference Secrets by name',
      );
    }
  }

  for (const deployment of deployments) {
    const name = nameOf(deployment);
    const labels = deployment.spec?.template.metadata?.labels ?? {};
    const containers = deployment.spec?.template.spec?.containers ?? [];
    const hasPort = (port: string | number | undefined) =>
      containers.some((c) => (c.ports ?? []).some((p) => p.name === port || p.containerPort === port));

    if (!selects(deployment.spec?.selector.matchLabels, labels)) {
      report('selector', name, 'spec.selector.matchLabels is empty or does not match the pod labels');
    }

    const ownPdbs = pdbs.filter((pdb) => selects(pdb.spec?.selector?.matchLabels, labels));
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef.name === deployment.metadata.name);
    const replicas = hpa ? (hpa.spec?.minReplicas ?? 1) : (deployment.spec?.replicas ?? 1);
    if (ownPdbs.length !== 1)
      report('pdb', name, `${ownPdbs.length} PodDisruptionBudgets select its pods, not one`);
    for (const pdb of ownPdbs) {
      const { minAvailable, maxUnavailable } = pdb.spec ?? {};
      const blocks =
        maxUnavailable === 0 ||
        maxUnavailable === '0%' ||
        (minAvailable !== undefined && minAvailable !== 0 && replicas <= 1);
      if (blocks) report('pdb', nameOf(pdb), `with ${replicas} replica(s) it would block every drain`);
    }

    const own = services.filter((service) => selects(service.spec?.selector, labels));
    if (own.length === 0) report('service', name, 'no Service selects its pods');
    for (const service of own) {
      for (const port of service.spec?.ports ?? []) {
        if (!hasPort(port.targetPort ?? port.port)) {
          report('service', nameOf(service), `targetPort ${port.targetPort} is not a port of ${name}`);
        }
      }
    }

    if (hpa && deployment.spec?.replicas !== undefined) {
      report('hpa', name, 'sets spec.replicas while an HPA scales it: each apply would reset the count');
    }
    if (replicas > 1) {
      const strategy = deployment.spec?.strategy;
      if (strategy?.type === 'Recreate' || strategy?.rollingUpdate?.maxUnavailable !== 0) {
        report('rollout', name, 'a replicated Deployment needs RollingUpdate with maxUnavailable 0');
      }
    }

    const volumes = deployment.spec?.template.spec?.volumes ?? [];
    const exclusive = volumes.some((volume) => {
      const claim = claims.find((c) => c.metadata.name === volume.persistentVolumeClaim?.claimName);
      return claim?.spec?.accessModes?.includes('ReadWriteOnce');
    });
    const claimed = volumes.filter((v) => v.persistentVolumeClaim);
    for (const volume of claimed) {
      if (!claims.some((c) => c.metadata.name === volume.persistentVolumeClaim?.claimName)) {
        report(
          'sqlite',
          name,
          `its PersistentVolumeClaim ${volume.persistentVolumeClaim?.claimName} is not defined`,
        );
      }
    }
    if (
      exclusive &&
      (hpa || deployment.spec?.replicas !== 1 || deployment.spec?.strategy?.type !== 'Recreate')
    ) {
      report('sqlite', name, 'a ReadWriteOnce volume (SQLite): one replica, strategy Recreate, no HPA');
    }

    if (containers.some((c) => c.name === 'customer-db') && replicas > 1) {
      for (const container of containers) {
        const url = container.env?.find((v) => v.name === 'CUSTOMER_DB_URL');
        if (!url?.valueFrom?.secretKeyRef)
          report('shared-database', name, `${replicas} replicas with no CUSTOMER_DB_URL from a Secret`);
        if (container.env?.some((v) => v.name === 'CUSTOMER_DB_PATH'))
          report('shared-database', name, 'CUSTOMER_DB_PATH: a SQLite file per replica, not one database');
      }
    }

    const ownPolicies = policies.filter((p) => selects(p.spec?.podSelector?.matchLabels, labels));
    egressViolations(
      ownPolicies.filter((p) => p.spec?.policyTypes?.includes('Egress')),
      containers,
      name,
      report,
    );
    const ingressPolicies = ownPolicies.filter((p) => p.spec?.policyTypes?.includes('Ingress'));
    if (ingressPolicies.length === 0)
      report('network-policy', name, 'no ingress NetworkPolicy selects its pods');
    for (const policy of ingressPolicies) {
      for (const rule of policy.spec?.ingress ?? []) {
        if (!rule.ports?.length) report('network-policy', nameOf(policy), 'a rule open on every port');
        for (const port of rule.ports ?? []) {
          if (!hasPort(port.port))
            report('network-policy', nameOf(policy), `port ${port.port} is not a port of ${name}`);
        }
        if (!rule.from?.length) report('network-policy', nameOf(policy), 'a rule open to every source');
        const mcp = containers.some((c) => SERVICES[c.name]?.mcp);
        if (options.production && mcp && rule.from?.some((peer) => !peer.namespaceSelector?.matchLabels)) {
          report('network-policy', nameOf(policy), 'in production, only namespaces selected by label');
        }
        const names = new Set(rule.ports?.map((p) => p.port));
        if (options.production && names.has('http') && names.has('ops')) {
          report(
            'network-policy',
            nameOf(policy),
            'in production, MCP (http) and /metrics (ops) go to different sources',
          );
        }
      }
    }

    for (const container of containers) {
      hostViolations(
        container,
        services,
        own,
        namespace,
        options,
        `${name} container ${container.name}`,
        report,
      );
    }
  }

  for (const hpa of hpas) {
    const target = hpa.spec?.scaleTargetRef;
    const found = deployments.some((d) => d.metadata.name === target?.name);
    if (target?.kind !== 'Deployment' || target.apiVersion !== 'apps/v1' || !found) {
      report(
        'hpa',
        nameOf(hpa),
        `targets ${target?.apiVersion} ${target?.kind}/${target?.name}, not a Deployment here`,
      );
    }
    const { minReplicas = 1, maxReplicas = 0 } = hpa.spec ?? {};
    if (minReplicas < 2 || minReplicas > maxReplicas) {
      report(
        'hpa',
        nameOf(hpa),
        `minReplicas ${minReplicas}, maxReplicas ${maxReplicas}: at least 2, at most max`,
      );
    }
  }

  for (const ingress of ofKind<IIngress>(objects, 'Ingress')) {
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const where = `${nameOf(ingress)} ${rule.host}${path.path}`;
        if (!/^\/mcp$|^\/\.well-known\/oauth-protected-resource$/.test(path.path ?? '')) {
          report(
            'ingress',
            where,
            'routes more than /mcp and its metadata (probes and /metrics stay inside)',
          );
        }
        const backend = path.backend.service;
        const service = services.find((s) => s.metadata.name === backend?.name);
        const port = service?.spec?.ports?.find(
          (p) => p.name === backend?.port?.name || p.port === backend?.port?.number,
        );
        if (!port) report('ingress', where, `no Service ${backend?.name} with that port`);
      }
    }
  }
}

/** MCP servers answer the Host names they are reached by; users reaches users-api by its Service. */
function hostViolations(
  container: IContainer,
  services: ReadonlyArray<IService & K8sObject>,
  own: ReadonlyArray<IService & K8sObject>,
  namespace: string | undefined,
  options: PolicyOptions,
  where: string,
  report: Report,
) {
  const upstream = envValue(container, 'USERS_API_URL');
  if (upstream !== undefined) {
    const url = URL.canParse(upstream) ? new URL(upstream) : undefined;
    const target = services.find((s) => s.metadata.name === url?.hostname);
    if (!target?.spec?.ports?.some((p) => String(p.port) === url?.port)) {
      report('upstream', where, `USERS_API_URL ${upstream} is not a Service and port of the stack`);
    }
  }
  if (!SERVICES[container.name]?.mcp) return;
  const allowed = new Set((envValue(container, 'MCP_ALLOWED_HOSTS') ?? '').split(','));
  // the Service ports that lead to the MCP listener (not to the ops one, which checks no Host)
  const mcpPort = Number(envValue(container, 'MCP_PORT'));
  const mcpTargets = new Set<string | number>([mcpPort]);
  for (const p of container.ports ?? []) if (p.containerPort === mcpPort && p.name) mcpTargets.add(p.name);
  for (const service of own) {
    for (const port of service.spec?.ports ?? []) {
      if (!mcpTargets.has(port.targetPort ?? port.port)) continue;
      const host = `${service.metadata.name}.${namespace}.svc.cluster.local:${port.port}`;
      if (!allowed.has(host)) report('mcp-http', where, `MCP_ALLOWED_HOSTS does not have ${host}`);
    }
  }
  const publicUrl = envValue(container, 'MCP_PUBLIC_URL') ?? '';
  if (!URL.canParse(publicUrl)) return report('mcp-http', where, `MCP_PUBLIC_URL ${publicUrl} is not a URL`);
  const { host, protocol } = new URL(publicUrl);
  if (!allowed.has(host))
    report('mcp-http', where, `MCP_ALLOWED_HOSTS does not have ${host}, of MCP_PUBLIC_URL`);
  if (options.production && (protocol !== 'https:' || host.includes('.svc.cluster.local'))) {
    report('mcp-http', where, `MCP_PUBLIC_URL ${publicUrl}: production's is the public https URL`);
  }
}
