#!/usr/bin/env node
// Part of `pnpm check`: validates the deployment descriptions in infra/ and docker-compose.yml.
//
// - docker-compose.yml: `docker-compose config` for every region (skipped when neither
//   docker-compose nor `docker compose` is installed), and what each region renders to.
// - infra/k8s: `kubectl kustomize` of every overlay (skipped when kubectl is missing), and
//   invariants of the rendered manifests: the region's namespace, probes and resources on
//   every Deployment, one Deployment/Service/HPA/PDB per process, a migration Job labelled
//   clment.com/apply-first with everything it needs, no Secret in the manifests, only the
//   gateway reachable from outside its namespace and every NetworkPolicy rule naming its
//   sources, /metrics refused at the Ingress, DATA_DIR on a shared ReadWriteMany
//   volume for every service that writes files, and review's grace period above its longest job.
// - infra/docker/Dockerfile: builds every process of the workspace, non-root, with a HEALTHCHECK.
//
// Exits 1 with every problem listed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const REGIONS = { us: 7100, eu: 7200, au: 7300 };
const SERVICES = readdirSync(join(ROOT, "services"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const PROCESSES = ["gateway", ...SERVICES];
// The services that keep files under DATA_DIR (their source reads `config.dataDir`): in
// Kubernetes the root filesystem is read-only and replicas share nothing, so each needs
// DATA_DIR on a ReadWriteMany volume.
const DATA_DIR_WRITERS = SERVICES.filter((name) => {
  const src = join(ROOT, "services", name, "src");
  return readdirSync(src, { recursive: true, withFileTypes: true }).some(
    (entry) =>
      entry.isFile() &&
      entry.name.endsWith(".ts") &&
      /\bdataDir\b/.test(readFileSync(join(entry.parentPath ?? entry.path, entry.name), "utf8")),
  );
});

const problems = [];
const notes = [];
const ran = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => resolve({ status: null, stdout, stderr: String(error) }));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function available(command, args) {
  const result = spawnSync(command, args, { stdio: "ignore" });
  return !result.error && result.status === 0;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

function composeCommand() {
  if (available("docker-compose", ["version"])) return ["docker-compose"];
  if (available("docker", ["compose", "version"])) return ["docker", "compose"];
  return undefined;
}

async function checkCompose() {
  const command = composeCommand();
  if (!command) {
    notes.push(
      "docker-compose.yml not validated: neither docker-compose nor `docker compose` is installed",
    );
    return;
  }
  // A clean environment and an empty env file, so a developer's shell or .env cannot change
  // what is checked.
  ran.push(`docker-compose.yml (${Object.keys(REGIONS).join(", ")})`);
  const dir = mkdtempSync(join(tmpdir(), "clment-check-infra-"));
  const envFile = join(dir, "empty.env");
  writeFileSync(envFile, "");
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir };
  const compose = (region, args) =>
    run(
      command[0],
      [...command.slice(1), "--env-file", envFile, "-f", "docker-compose.yml", ...args],
      { env: region ? { ...env, REGION: region } : env },
    );
  try {
    const checks = Object.entries(REGIONS).map(async ([region, port]) => {
      const where = `docker-compose.yml (REGION=${region})`;
      // `config` validates exactly as `config -q` does, and prints what it validated.
      const rendered = await compose(region, ["config"]);
      if (rendered.status !== 0) return fail(where, `config failed: ${rendered.stderr.trim()}`);
      checkComposeRegion(where, region, port, yaml.load(rendered.stdout));
    });
    checks.push(
      compose(undefined, ["config", "-q"]).then((result) => {
        if (result.status === 0) fail("docker-compose.yml", "renders without REGION set");
      }),
    );
    await Promise.all(checks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkComposeRegion(where, region, port, config) {
  const services = config?.services ?? {};
  for (const name of ["postgres", "redis", "migrate", ...PROCESSES]) {
    if (!services[name]) fail(where, `no service "${name}"`);
  }
  for (const [name, service] of Object.entries(services)) {
    const published = (service.ports ?? []).map((p) =>
      typeof p === "object" ? Number(p.published) : Number(String(p).split(":").at(-2)),
    );
    if (name === "gateway") {
      if (published.length !== 1 || published[0] !== port) {
        fail(where, `gateway publishes ${JSON.stringify(published)}, expected [${port}]`);
      }
    } else if (published.length > 0) {
      fail(where, `"${name}" publishes a port; only the gateway may`);
    }
  }
  for (const name of ["migrate", ...PROCESSES]) {
    const service = services[name];
    if (!service) continue;
    if (service.environment?.REGION !== region) {
      fail(where, `"${name}" has REGION=${service.environment?.REGION}, expected ${region}`);
    }
    if (String(service.environment?.IDENTITY_SECRET ?? "").length < 32) {
      fail(where, `"${name}" has no IDENTITY_SECRET of at least 32 characters`);
    }
    if (name !== "migrate" && !service.healthcheck?.test) {
      fail(where, `"${name}" has no healthcheck`);
    }
  }
  for (const name of SERVICES) {
    const dependsOn = services[name]?.depends_on ?? {};
    if (dependsOn.migrate?.condition !== "service_completed_successfully") {
      fail(where, `"${name}" does not wait for the migrations to complete`);
    }
  }
  for (const name of SERVICES) {
    if (services.gateway?.depends_on?.[name]?.condition !== "service_healthy") {
      fail(where, `the gateway does not wait for "${name}" to be healthy`);
    }
  }
  for (const name of ["postgres", "redis"]) {
    const volumes = (services[name]?.volumes ?? []).map((v) =>
      typeof v === "object" ? v.source : String(v).split(":")[0],
    );
    if (!volumes.some((source) => config.volumes && source in config.volumes)) {
      fail(where, `"${name}" has no named volume`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// infra/k8s

async function checkKubernetes() {
  if (!available("kubectl", ["version", "--client"])) {
    notes.push("infra/k8s not rendered: kubectl is not installed");
    return;
  }
  ran.push(`infra/k8s/overlays/{${Object.keys(REGIONS).join(",")}}`);
  await Promise.all(
    Object.keys(REGIONS).map(async (region) => {
      const dir = `infra/k8s/overlays/${region}`;
      const result = await run("kubectl", ["kustomize", dir]);
      if (result.status !== 0) return fail(dir, `kubectl kustomize failed: ${result.stderr}`);
      const documents = yaml.loadAll(result.stdout).filter(Boolean);
      checkOverlay(dir, region, documents);
    }),
  );
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

function checkOverlay(where, region, documents) {
  const namespace = `clment-${region}`;
  const of = (kind) => documents.filter((d) => d.kind === kind);
  const named = (kind, name) => of(kind).find((d) => d.metadata?.name === name);

  if (!named("Namespace", namespace)) fail(where, `no Namespace ${namespace}`);
  for (const d of documents) {
    if (CLUSTER_SCOPED.has(d.kind)) continue;
    if (d.metadata?.namespace !== namespace) {
      fail(where, `${d.kind}/${d.metadata?.name} is in namespace ${d.metadata?.namespace}`);
    }
  }
  if (of("Secret").length > 0)
    fail(where, "renders a Secret; secrets are referenced, not committed");

  const config = of("ConfigMap").find((d) => d.metadata?.name?.startsWith("clment-config"));
  if (config?.data?.REGION !== region) {
    fail(where, `ConfigMap clment-config has REGION=${config?.data?.REGION}`);
  }

  // One Deployment, Service, HPA and PDB per process; probes and resources everywhere.
  for (const name of PROCESSES) {
    if (!named("Deployment", name)) fail(where, `no Deployment ${name}`);
    if (!named("Service", name)) fail(where, `no Service ${name}`);
    const hpa = named("HorizontalPodAutoscaler", name);
    if (hpa?.spec?.scaleTargetRef?.name !== name)
      fail(where, `no HorizontalPodAutoscaler for ${name}`);
    if (!named("PodDisruptionBudget", name)) fail(where, `no PodDisruptionBudget for ${name}`);
  }
  for (const deployment of of("Deployment")) {
    const name = deployment.metadata.name;
    const pod = deployment.spec?.template?.spec ?? {};
    if (pod.securityContext?.runAsNonRoot !== true)
      fail(where, `Deployment ${name} may run as root`);
    for (const container of pod.containers ?? []) {
      const at = `Deployment ${name}, container ${container.name}`;
      if (!container.readinessProbe?.httpGet) fail(where, `${at} has no readiness probe`);
      if (!container.livenessProbe?.httpGet) fail(where, `${at} has no liveness probe`);
      const { requests, limits } = container.resources ?? {};
      if (!requests?.cpu || !requests?.memory) fail(where, `${at} has no cpu/memory requests`);
      if (!limits?.memory) fail(where, `${at} has no memory limit`);
    }
  }
  checkReviewGracePeriod(where, named("Deployment", "review"), config?.data ?? {});
  for (const name of DATA_DIR_WRITERS) {
    checkDataDir(where, name, named("Deployment", name), (claim) =>
      named("PersistentVolumeClaim", claim),
    );
  }
  for (const service of of("Service")) {
    if ((service.spec?.type ?? "ClusterIP") !== "ClusterIP") {
      fail(where, `Service ${service.metadata.name} is ${service.spec.type}; only ClusterIP`);
    }
  }
  const job = of("Job").find(
    (d) => d.metadata?.labels?.["app.kubernetes.io/component"] === "migration",
  );
  if (!job) fail(where, "no migration Job");
  else {
    if (!job.spec?.template?.spec?.containers?.[0]?.resources?.requests) {
      fail(where, "the migration Job has no resource requests");
    }
    checkApplyFirst(where, namespace, job, named);
  }

  // Only the gateway is reachable from outside the namespace (and the metrics port from monitoring).
  const policies = of("NetworkPolicy");
  const denyAll = policies.some(
    (p) =>
      Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
      p.spec?.policyTypes?.includes("Ingress") &&
      !(p.spec?.ingress?.length > 0),
  );
  if (!denyAll) fail(where, "no default-deny ingress NetworkPolicy");
  for (const policy of policies) {
    // The monitoring namespace may scrape the internal metrics port, and nothing else.
    const metricsScrape = (rule) =>
      rule.ports?.length > 0 &&
      rule.ports.every((port) => port.port === 9464) &&
      rule.from?.length > 0 &&
      rule.from.every(
        (peer) =>
          !peer.ipBlock &&
          !peer.podSelector &&
          peer.namespaceSelector?.matchLabels?.["clment.com/monitoring"] === "true",
      );
    const external = (policy.spec?.ingress ?? []).some(
      (rule) =>
        !metricsScrape(rule) &&
        (!rule.from ||
          rule.from.length === 0 ||
          rule.from.some((peer) => peer.ipBlock || peer.namespaceSelector)),
    );
    // Every rule names its sources: the gateway trusts X-Forwarded-For from whoever reaches it,
    // so it admits the ingress controller, not every pod and address.
    const everyone = (peer) =>
      (peer.namespaceSelector &&
        Object.keys(peer.namespaceSelector).length === 0 &&
        !peer.podSelector) ||
      ["0.0.0.0/0", "::/0"].includes(peer.ipBlock?.cidr);
    for (const rule of policy.spec?.ingress ?? []) {
      if (!(rule.from?.length > 0) || rule.from.some(everyone)) {
        fail(where, `NetworkPolicy ${policy.metadata.name} admits every source; name its peers`);
      }
    }
    if (!external) continue;
    const selector = policy.spec?.podSelector ?? {};
    const onlyGateway =
      selector.matchLabels?.["app.kubernetes.io/name"] === "gateway" && !selector.matchExpressions;
    if (!onlyGateway) {
      fail(where, `NetworkPolicy ${policy.metadata.name} opens pods other than the gateway`);
    }
  }
  if (
    !policies.some(
      (p) => p.spec?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "gateway",
    )
  ) {
    fail(where, "no NetworkPolicy admits traffic to the gateway");
  }
  // The gateway's operational endpoints are refused at the ingress to every address.
  const deniedToAll = (ingress) => {
    const ranges = String(
      ingress.metadata?.annotations?.["nginx.ingress.kubernetes.io/denylist-source-range"] ?? "",
    ).split(",");
    return (
      ranges.map((r) => r.trim()).includes("0.0.0.0/0") &&
      ranges.map((r) => r.trim()).includes("::/0")
    );
  };
  // /readyz stays public (API.md: operational endpoints without auth); the gateway coalesces it.
  for (const path of ["/metrics"]) {
    const blocked = of("Ingress").some(
      (ingress) =>
        deniedToAll(ingress) &&
        (ingress.spec?.rules ?? []).some(
          (rule) =>
            rule.host === `${region}.clment.com` &&
            (rule.http?.paths ?? []).some(
              (p) => p.path === path && p.pathType !== "ImplementationSpecific",
            ),
        ),
    );
    if (!blocked)
      fail(where, `no Ingress refuses ${path} to every address (denylist-source-range)`);
  }
  for (const ingress of of("Ingress")) {
    const backends = (ingress.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((path) => path.backend?.service?.name),
    );
    if (backends.some((backend) => backend !== "gateway")) {
      fail(where, `Ingress ${ingress.metadata.name} routes to ${backends.join(", ")}`);
    }
    if (!ingress.spec?.rules?.some((rule) => rule.host === `${region}.clment.com`)) {
      fail(where, `Ingress ${ingress.metadata.name} is not for ${region}.clment.com`);
    }
  }
}

const APPLY_FIRST = "clment.com/apply-first";

/**
 * A release applies `-l clment.com/apply-first=true` and waits for the migration Job before
 * applying the rest (docs/operations.md), so the Job and every object of the manifests it refers
 * to must carry that label, or the Job cannot start on a first install or after a change (the
 * ConfigMap's name changes with its content).
 */
function checkApplyFirst(where, namespace, job, named) {
  const labelled = (d) => d?.metadata?.labels?.[APPLY_FIRST] === "true";
  if (!labelled(job)) fail(where, `the migration Job is not labelled ${APPLY_FIRST}=true`);
  const pod = job.spec?.template?.spec ?? {};
  const needs = [["Namespace", namespace]];
  if (pod.serviceAccountName) needs.push(["ServiceAccount", pod.serviceAccountName]);
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) needs.push(["ConfigMap", source.configMapRef.name]);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.configMapKeyRef;
      if (ref) needs.push(["ConfigMap", ref.name]);
    }
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.configMap) needs.push(["ConfigMap", volume.configMap.name]);
    if (volume.persistentVolumeClaim) {
      needs.push(["PersistentVolumeClaim", volume.persistentVolumeClaim.claimName]);
    }
  }
  for (const [kind, name] of needs) {
    const object = named(kind, name);
    // Objects the manifests do not hold (the Secrets) are created beforehand.
    if (object && !labelled(object)) {
      fail(
        where,
        `${kind}/${name}, which the migration Job needs, is not labelled ${APPLY_FIRST}=true`,
      );
    }
  }
}

/**
 * Review pods must outlive the longest job after SIGTERM: one review with the OpenAI-compatible
 * engine makes up to 1 + LLM_MAX_RETRIES calls of LLM_TIMEOUT_MS each (defaults in
 * services/review/src/config.ts), after the preStop pause, with some slack for the document
 * fetch and the commit.
 */
function checkReviewGracePeriod(where, deployment, settings) {
  if (!deployment) return;
  const pod = deployment.spec?.template?.spec ?? {};
  const timeoutMs = Number(settings.LLM_TIMEOUT_MS ?? 60_000);
  const retries = Number(settings.LLM_MAX_RETRIES ?? 2);
  const preStop = Number(
    pod.containers?.[0]?.lifecycle?.preStop?.exec?.command?.find((arg) => /^\d+$/.test(arg)) ?? 0,
  );
  const needed = preStop + Math.ceil((timeoutMs * (retries + 1)) / 1000) + 30;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace < needed) {
    fail(
      where,
      `Deployment review stops within ${grace} s, but one review job can take ${needed} s ` +
        `(LLM_TIMEOUT_MS × (1 + LLM_MAX_RETRIES), the preStop pause and 30 s): raise terminationGracePeriodSeconds`,
    );
  }
}

/** `name` writes files under DATA_DIR: every replica must see the same ReadWriteMany volume there. */
function checkDataDir(where, name, deployment, claimNamed) {
  if (!deployment) return;
  const pod = deployment.spec?.template?.spec ?? {};
  const container = (pod.containers ?? []).find((c) => c.name === name) ?? pod.containers?.[0];
  const at = `Deployment ${name}`;
  const dataDir = container?.env?.find((variable) => variable.name === "DATA_DIR")?.value;
  if (!dataDir) return fail(where, `${at} writes files under DATA_DIR but does not set it`);
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dataDir);
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  const claimName = volume?.persistentVolumeClaim?.claimName;
  if (!claimName)
    return fail(where, `${at} mounts no PersistentVolumeClaim at DATA_DIR ${dataDir}`);
  if (mount.readOnly) fail(where, `${at} mounts DATA_DIR read-only`);
  const claim = claimNamed(claimName);
  if (!claim)
    return fail(where, `${at} mounts PersistentVolumeClaim ${claimName}, not in the manifests`);
  if (!claim.spec?.accessModes?.includes("ReadWriteMany")) {
    fail(
      where,
      `PersistentVolumeClaim ${claimName} is not ReadWriteMany; every ${name} replica shares it`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// infra/docker/Dockerfile (no Docker engine needed)

function checkDockerfile() {
  const where = "infra/docker/Dockerfile";
  const text = readFileSync(join(ROOT, where), "utf8");
  const required = [
    ["pnpm@10.34.9", "installs pnpm 10.34.9"],
    ["--frozen-lockfile", "installs with the frozen lockfile"],
    ["deploy --prod", "deploys production dependencies only"],
    ["USER node", "runs as the unprivileged node user"],
    ["HEALTHCHECK", "declares a HEALTHCHECK"],
    ['CMD ["node", "dist/main.js"]', "starts with node dist/main.js"],
  ];
  for (const [needle, meaning] of required) {
    if (!text.includes(needle)) fail(where, `no \`${needle}\` (it must say: ${meaning})`);
  }
  for (const name of PROCESSES) {
    const pkg = JSON.parse(
      readFileSync(
        join(ROOT, name === "gateway" ? "gateway" : `services/${name}`, "package.json"),
        "utf8",
      ),
    );
    if (!text.includes(`${name}:${pkg.name}`)) fail(where, `does not deploy ${name} (${pkg.name})`);
  }
}

const started = performance.now();
checkDockerfile();
await Promise.all([checkCompose(), checkKubernetes()]);
for (const note of notes) console.log(`check-infra: skipped: ${note}`);
if (problems.length > 0) {
  console.error(`check-infra: ${problems.length} problem(s):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const checked = ["infra/docker/Dockerfile", ...ran].join(", ");
console.log(`check-infra: ok (${checked}) in ${seconds} s`);
