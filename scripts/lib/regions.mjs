// The local regions of `npm start`: one database, one Redis prefix and one identity secret
// per region; the four services on the gateway's port + 1..4, then the gateway, and a mail
// catcher on the gateway's port + 9. Uses the built workspace packages (`pnpm build` runs first).
import { join } from "node:path";
import { ROOT } from "./bootstrap.mjs";
import { answers200, portIsFree, runCaptured } from "./processes.mjs";
import { DATA_DIR, LOG_DIR } from "./state.mjs";

const { LOCAL_GATEWAY_PORT, REGIONS } = await import(join(ROOT, "packages/config/dist/index.js"));
const { ensureDatabase, withDatabase } = await import(join(ROOT, "packages/db/dist/index.js"));

export { REGIONS };
export const SERVICES = ["settings", "contracts", "review", "credits"];

const serviceMain = (name) => join(ROOT, "services", name, "dist", "main.js");
const GATEWAY_MAIN = join(ROOT, "gateway", "dist", "main.js");

/**
 * Where everything of `region` listens: its gateway, its services and its mail catcher (SMTP).
 * @param {string} region
 */
export function regionPorts(region) {
  const gateway = LOCAL_GATEWAY_PORT[region];
  return {
    gateway,
    ...Object.fromEntries(SERVICES.map((name, i) => [name, gateway + 1 + i])),
    mail: gateway + 9,
  };
}

export const publicBaseUrl = (region) => `http://localhost:${regionPorts(region).gateway}/v1`;

/** Rejects naming the first port of any region (mail catchers included) already in use. */
export async function assertPortsFree() {
  for (const region of REGIONS) {
    for (const port of Object.values(regionPorts(region))) {
      if (!(await portIsFree(port))) {
        throw new Error(
          `Port ${port} (region ${region}) is already in use: is another \`npm start\` running?`,
        );
      }
    }
  }
}

export class LocalRegion {
  /**
   * @param {string} region
   * @param {{ postgresUrl: string, redisUrl: string, identitySecret: string, logLevel: string, smtpUrl?: string }} options
   */
  constructor(region, { postgresUrl, redisUrl, identitySecret, logLevel, smtpUrl }) {
    this.region = region;
    this.ports = regionPorts(region);
    this.postgresUrl = postgresUrl;
    this.database = `clment_${region}`;
    this.env = {
      ...process.env,
      REGION: region,
      DATABASE_URL: withDatabase(postgresUrl, this.database),
      HOST: "127.0.0.1",
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `clment:${region}`,
      IDENTITY_SECRET: identitySecret,
      PUBLIC_BASE_URL: publicBaseUrl(region),
      LOG_LEVEL: logLevel,
      DATA_DIR: join(DATA_DIR, region), // files, e.g. uploaded documents
      // Local development: webhooks may target http:// receivers on this machine.
      WEBHOOKS_ALLOW_HTTP: "true",
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true",
      ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
      // Where the region's services are, for the gateway and for services that call a peer.
      ...Object.fromEntries(
        SERVICES.map((name) => [
          `${name.toUpperCase()}_URL`,
          `http://127.0.0.1:${this.ports[name]}`,
        ]),
      ),
    };
  }

  get gatewayUrl() {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  /** Creates the region's database if needed and runs every service's migrations in it. */
  async migrate() {
    await ensureDatabase(this.postgresUrl, this.database);
    for (const name of SERVICES) {
      await runCaptured(process.execPath, [serviceMain(name), "migrate"], { env: this.env });
    }
  }

  /**
   * Starts the four services, then the gateway once they are ready; resolves when the gateway is.
   * @param {import("./processes.mjs").Supervisor} supervisor
   */
  async start(supervisor) {
    await Promise.all(
      SERVICES.map((name) => this.#spawn(supervisor, "services", name, serviceMain(name))),
    );
    await this.#spawn(supervisor, "gateways", "gateway", GATEWAY_MAIN);
  }

  /** Starts one process of the region; resolves when its /readyz answers 200. */
  #spawn(supervisor, tier, name, script) {
    const port = this.ports[name];
    const child = supervisor.spawnNode(tier, `${name} (${this.region})`, script, {
      env: { ...this.env, PORT: String(port) },
      logFile: join(LOG_DIR, `${this.region}-${name}.log`),
    });
    return child.waitReady(() => answers200(`http://127.0.0.1:${port}/readyz`));
  }
}
