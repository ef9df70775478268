// What `npm start` keeps between runs, under .data/ (git-ignored): secrets, demo keys, logs,
// the embedded Postgres and the local Redis.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./bootstrap.mjs";

export const DATA_DIR = join(ROOT, ".data");
export const LOG_DIR = join(DATA_DIR, "logs");

export function ensureDataDirs() {
  mkdirSync(LOG_DIR, { recursive: true });
}

function readJson(file) {
  const path = join(DATA_DIR, file);
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
}

/** Written readable by the owner only: these files hold secrets. */
function writeSecretJson(file, value) {
  const path = join(DATA_DIR, file);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The identity-token secret of each region, generated once and kept in .data/secrets.json. */
export function identitySecrets(regions) {
  const secrets = readJson("secrets.json");
  const missing = regions.filter((region) => typeof secrets[region] !== "string");
  for (const region of missing) secrets[region] = randomBytes(32).toString("base64url");
  if (missing.length > 0 || !existsSync(join(DATA_DIR, "secrets.json"))) {
    writeSecretJson("secrets.json", secrets);
  }
  return secrets;
}

/** The demo API key of each region ({ id, secret }), kept in .data/demo-keys.json. */
export function readDemoKeys() {
  return readJson("demo-keys.json");
}

export function saveDemoKey(region, key) {
  writeSecretJson("demo-keys.json", { ...readDemoKeys(), [region]: key });
}
