import { Kysely, PostgresDialect, sql } from "kysely";
import { Migrator, type Migration } from "kysely/migration";
import pg from "pg";

export { sql };
export type { Kysely, Migration };

// Postgres `bigint` and `numeric` come back as strings by default; counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// `date` columns stay "YYYY-MM-DD" strings: a calendar date has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export interface DbOptions {
  url: string;
  /** The service's own schema: first on the search path, so queries name tables plainly. */
  schema: string;
  max?: number;
  onError?: (error: Error) => void;
}

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  /**
   * Whether Postgres answers, over a connection of its own (never one of `pool`'s), within 1 s.
   * A busy request pool is not an unreachable Postgres: readiness failing on it would take every
   * replica out of routing at once under load.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabase<DB>(options: DbOptions): Database<DB> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${options.schema},public`,
  });
  // A client losing its server must not crash the process; the next query reports it. The pool
  // listens on idle clients only: a client checked out between two statements (inside a
  // transaction awaiting other work) emits 'error' with nobody listening, so every client gets
  // a listener of its own.
  pool.on("error", (error) => options.onError?.(error));
  pool.on("connect", (client) => {
    client.on("error", (error) => options.onError?.(error));
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // Opened at the first ping and kept between probes; a broken one is replaced at the next ping.
  const pingPool = new pg.Pool({
    connectionString: options.url,
    max: 1,
    connectionTimeoutMillis: 1_000,
    query_timeout: 1_000,
    idleTimeoutMillis: 60_000,
  });
  pingPool.on("error", (error) => options.onError?.(error));
  let closed = false;
  return {
    db,
    pool,
    async ping() {
      await pingPool.query("select 1");
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([db.destroy(), pingPool.end()]);
    },
  };
}

/** Runs a service's migrations (a record of name → migration, names sortable by date). */
export async function migrate(
  url: string,
  schema: string,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  const { db, close } = createDatabase<unknown>({ url, schema, max: 1 });
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(migrations) },
      migrationTableSchema: schema,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).map((r) => r.migrationName);
  } finally {
    await close();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates `database` on the server of `url` unless it exists; returns its URL. */
export async function ensureDatabase(
  url: string,
  database: string,
  template?: string,
): Promise<string> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) {
      try {
        await client.query(
          `create database ${quoteIdent(database)}${template ? ` template ${quoteIdent(template)}` : ""}`,
        );
      } catch (error) {
        // Another process created it between our check and our create.
        if ((error as { code?: string }).code !== "42P04") throw error;
      }
    }
  } finally {
    await client.end();
  }
  return withDatabase(url, database);
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(database)} with (force)`);
  } finally {
    await client.end();
  }
}

export { withDatabase };
