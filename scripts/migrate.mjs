#!/usr/bin/env node
// `pnpm migrate`: what `npm start` does to the databases, alone. Builds, creates clment_us,
// clment_eu and clment_au on DATABASE_URL (default 127.0.0.1:5432) if they are missing and
// runs every service's migrations (`node services/<name>/dist/main.js migrate`) in each.
import { DEFAULT_DATABASE_URL, run } from "./lib/bootstrap.mjs";
import { ensureDataDirs, identitySecrets } from "./lib/state.mjs";

run("pnpm", ["--silent", "build"]);
const { REGIONS, LocalRegion } = await import("./lib/regions.mjs");
ensureDataDirs();
const secrets = identitySecrets(REGIONS); // the services' configuration requires one
for (const region of REGIONS) {
  await new LocalRegion(region, {
    postgresUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    identitySecret: secrets[region],
    logLevel: "warn",
  }).migrate();
  console.log(`clment_${region}: migrated`);
}
