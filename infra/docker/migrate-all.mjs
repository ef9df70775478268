// Entry point of the `migrate` image: runs `node dist/main.js migrate` for every service in
// /app/services, one after another, with the container's environment (DATABASE_URL, REGION,
// IDENTITY_SECRET, ...). Exits non-zero as soon as one service's migrations fail, so the
// one-shot compose service or Kubernetes Job is reported as failed and nothing starts on a
// half-migrated database. Each service's migrator takes its own lock, so a second run is a no-op.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("./services/", import.meta.url).pathname;
const services = readdirSync(root)
  .filter((name) => existsSync(join(root, name, "dist/main.js")))
  .sort();

if (services.length === 0) {
  console.error(`migrate: no service found under ${root}`);
  process.exit(1);
}

for (const service of services) {
  const result = spawnSync(process.execPath, ["dist/main.js", "migrate"], {
    cwd: join(root, service),
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(`migrate: ${service} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}
console.log(`migrate: ${services.join(", ")} up to date`);
