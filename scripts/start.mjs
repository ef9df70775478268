#!/usr/bin/env node
// `npm start`: installs and builds what is missing, finds (or starts) Postgres and Redis, runs
// the three local regions (gateway + 4 services each), seeds a demo organization per region
// and prints how to call it. Ctrl-C (or SIGTERM) stops every process it started and exits 0.
import { ensureInstalled, run } from "./lib/bootstrap.mjs";
import { indent, Supervisor } from "./lib/processes.mjs";
import { ensureDataDirs, identitySecrets } from "./lib/state.mjs";

const supervisor = new Supervisor();
let stopping;

/** Stops everything (once, whoever asks first) and exits with `code`. */
function stop(code) {
  stopping ??= (async () => {
    console.log("\nStopping …");
    await supervisor.stopAll();
    console.log("Stopped.");
    process.exit(code);
  })();
  return stopping;
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("exit", () => supervisor.signalAll());

/** Runs one step of the start-up and prints a line with what it found and how long it took. */
async function step(describe, fn) {
  const started = performance.now();
  const result = await fn();
  if (stopping) await stopping;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`  ✓ ${describe(result)} (${seconds} s)`);
  return result;
}

async function main() {
  console.log("Starting Clment: three local regions …");
  await step(
    (version) => `dependencies (pnpm ${version})`,
    () => ensureInstalled(),
  );
  await step(
    () => "built (pnpm build)",
    () => run("pnpm", ["--silent", "build"]),
  );
  // Installed and built now: these import dependencies and the workspace packages' dist.
  const { providePostgres, provideRedis } = await import("./lib/stores.mjs");
  const { REGIONS, LocalRegion, assertPortsFree, publicBaseUrl, regionPorts } =
    await import("./lib/regions.mjs");
  const { seedRegion } = await import("./lib/seed.mjs");
  const { startMailCatcher } = await import("./lib/mail.mjs");

  ensureDataDirs();
  await assertPortsFree();
  const postgres = await step(
    (pg) => `Postgres at ${pg.description}`,
    () => providePostgres(supervisor),
  );
  const redis = await step(
    (r) => `Redis at ${r.description}`,
    () => provideRedis(supervisor),
  );

  const mail = await step(
    (catchers) => `mail catchers on ${catchers.map((c) => c.url).join(", ")}`,
    () => Promise.all(REGIONS.map((region) => startMailCatcher(region, regionPorts(region).mail))),
  );
  const secrets = identitySecrets(REGIONS);
  const regions = REGIONS.map(
    (region, i) =>
      new LocalRegion(region, {
        postgresUrl: postgres.url,
        redisUrl: redis.url,
        identitySecret: secrets[region],
        logLevel: process.env.LOG_LEVEL ?? "warn",
        smtpUrl: mail[i].url,
      }),
  );
  await step(
    () => `databases ${regions.map((r) => r.database).join(", ")} migrated`,
    () => Promise.all(regions.map((region) => region.migrate())),
  );
  await step(
    () => `${REGIONS.length} regions up: gateway + 4 services each (logs in .data/logs/)`,
    () => Promise.all(regions.map((region) => region.start(supervisor))),
  );
  const demos = await step(
    (demos) =>
      `demo organizations ${demos.some((d) => d.error) ? "(some failed: see below)" : "ready"}`,
    () =>
      Promise.all(
        regions.map((region) =>
          seedRegion(region.region, region.gatewayUrl).catch((error) => ({ error })),
        ),
      ),
  );

  for (const [i, region] of REGIONS.entries()) {
    const baseUrl = publicBaseUrl(region);
    const demo = demos[i];
    console.log(`\n${region}  ${baseUrl}`);
    if (demo.error) {
      console.log(`    demo seed failed: ${demo.error.message}`);
      continue;
    }
    console.log(`    console  ${baseUrl.replace(/\/v1$/, "")}/  (sign in as the admin below)`);
    console.log(`    admin    ${demo.email}  password: ${demo.password}`);
    console.log(`    API key  ${demo.apiKey}`);
    console.log(`    try      curl -H "Authorization: Bearer ${demo.apiKey}" ${baseUrl}/me`);
    console.log(`    mail     ${mail[i].dir} (notification emails, as .eml files)`);
    console.log(`    docs     ${baseUrl.replace(/\/v1$/, "")}/docs`);
  }
  console.log("\nRunning. Ctrl-C stops everything.");
  setInterval(() => {}, 1 << 30); // stay up until a signal
}

main().catch(async (error) => {
  if (stopping) return;
  if (error.interrupted) return stop(0);
  console.error(
    `\nnpm start failed: ${error.message.includes("\n") ? `\n${indent(error.message)}` : error.message}`,
  );
  await stop(1);
});
