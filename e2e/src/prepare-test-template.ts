import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { dropDatabase, ensureDatabase, withDatabase } from "@clment/db";
import { SERVICES } from "./services.js";

const ROOT = join(import.meta.dirname, "..", "..");
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A hash of every migration file: a changed migration makes a new template. */
function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const service of SERVICES) {
    const dir = join(ROOT, "services", service.name, "src", "migrations");
    for (const file of readdirSync(dir).sort()) {
      hash.update(file).update(readFileSync(join(dir, file)));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * Migrates every service's schema once into a template database; each test file then copies
 * it (`CREATE DATABASE … TEMPLATE`), which takes milliseconds. Run by the Jest global setup;
 * prints the template's name.
 */
async function prepareTemplate(): Promise<string> {
  const template = `clment_tpl_${migrationsHash()}`;
  const admin = new pg.Client({ connectionString: withDatabase(POSTGRES_URL, "postgres") });
  await admin.connect();
  try {
    await admin.query("select pg_advisory_lock(74201)");
    const existing = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'clment\\_tpl\\_%'",
    );
    if (existing.rows.some((r) => r.datname === template)) return template;
    const building = `${template}_build`;
    await dropDatabase(POSTGRES_URL, building);
    const url = await ensureDatabase(POSTGRES_URL, building);
    for (const service of SERVICES) await service.migrate(url);
    // Templates of older migrations go.
    for (const { datname } of existing.rows) await dropDatabase(POSTGRES_URL, datname);
    await admin.query(`alter database "${building}" rename to "${template}"`);
    return template;
  } finally {
    await admin.query("select pg_advisory_unlock(74201)").catch(() => undefined);
    await admin.end();
  }
}

process.stdout.write(await prepareTemplate());
