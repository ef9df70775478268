#!/usr/bin/env node
// `pnpm migrate`: what `npm start` does to the databases, alone. Builds, finds the Postgres
// `npm start` uses (DATABASE_URL, else 127.0.0.1:5432, else its embedded one while that runs;
// it starts none), creates clment_us, clment_eu and clment_au there if they are missing and
// runs every service's migrations (`node services/<name>/dist/main.js migrate`) in each.
import { DEFAULT_REDIS_URL, run } from "./lib/bootstrap.mjs";
import { ensureDataDirs, identitySecrets } from "./lib/state.mjs";

run("pnpm", ["--silent", "build"]);
const { REGIONS, LocalRegion } = await import("./lib/regions.mjs");
const { findPostgres } = await import("./lib/stores.mjs");
ensureDataDirs();
const postgres = await findPostgres();
console.log(`Postgres at ${postgres.description}`);
const secrets = identitySecrets(REGIONS); // the services' configuration requires one
for (const region of REGIONS) {
  await new LocalRegion(region, {
    postgresUrl: postgres.url,
    redisUrl: process.env.REDIS_URL ?? DEFAULT_REDIS_URL, // required by the configuration, unused
    identitySecret: secrets[region],
    logLevel: "warn",
  }).migrate();
  console.log(`clment_${region}: migrated`);
}
