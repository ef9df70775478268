import http from "node:http";
import { mkdir, mkdtemp, readdir, readlink, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { waitFor } from "@clment/testing";
import { sweepOnce } from "../src/jobs/sweep.jobs.js";
import { FilesystemBlobStore } from "../src/storage/filesystem.blob-store.js";
import { ContractsHarness, type TestOrg } from "./harness.js";

let harness: ContractsHarness;
let stagingDir: string;
let blobDir: string;

beforeAll(async () => {
  harness = await ContractsHarness.start();
  stagingDir = join(harness.dataDir, "contracts", "staging");
  blobDir = join(harness.dataDir, "contracts", "blobs");
});

afterAll(async () => {
  await harness?.close();
});

/** Paths under the data directory that this process holds open (deleted files included). */
async function openDataFiles(): Promise<string[]> {
  const links: string[] = [];
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(join("/proc/self/fd", fd)).catch(() => "");
    if (target.startsWith(harness.dataDir)) links.push(target);
  }
  return links;
}

/** Every file under `dir`, as paths relative to it; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Starts a multipart upload that sends its part header and `bytes` of the file, then waits. */
async function startUpload(org: TestOrg, bytes: number): Promise<http.ClientRequest> {
  const boundary = "clment-abort-boundary";
  const req = http.request(`${harness.url}/v1/contracts`, {
    method: "POST",
    headers: {
      ...(await harness.headers(org)),
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
  });
  req.on("error", () => undefined);
  req.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="partial.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\n`,
  );
  req.write(Buffer.alloc(bytes, 0x61));
  return req;
}

describe("an upload the client aborts", () => {
  it("leaves no staging file and no open file behind", async () => {
    const org = harness.newOrg();
    const req = await startUpload(org, 1024 * 1024);
    // The server is writing the part to a staging file.
    await waitFor(async () => (await openDataFiles()).some((p) => p.startsWith(stagingDir)), {
      message: "the staging file to be open",
    });
    expect(await readdir(stagingDir)).toHaveLength(1);

    req.destroy();

    await waitFor(async () => (await openDataFiles()).length === 0, {
      message: "the staging file to be closed",
    });
    await waitFor(async () => (await readdir(stagingDir)).length === 0, {
      message: "the staging directory to be empty",
    });
    expect(
      await harness.db.selectFrom("contracts").where("organization_id", "=", org.id).execute(),
    ).toHaveLength(0);
    // The service still takes uploads afterwards.
    const after = await harness.upload(org, "POST", "/v1/contracts", {
      filename: "after.txt",
      data: new TextEncoder().encode("An upload after the aborted one."),
    });
    expect(after.status).toBe(201);
  });
});

describe("an upload refused while its form is read", () => {
  async function send(org: TestOrg, form: FormData) {
    const response = await fetch(`${harness.url}/v1/contracts`, {
      method: "POST",
      headers: await harness.headers(org),
      body: form,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  const file = () => new Blob([Buffer.alloc(256 * 1024, 0x61)], { type: "text/plain" });

  it("answers 400 for a field too long after the file, and keeps nothing", async () => {
    const org = harness.newOrg();
    const form = new FormData();
    form.set("file", file(), "kept.txt");
    form.set("title", "x".repeat(65 * 1024));
    const response = await send(org, form);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe("A form field is too long");
    expect(await readdir(stagingDir)).toEqual([]);
    expect(await openDataFiles()).toEqual([]);
  });

  it("answers 400 for a second file part, and keeps nothing", async () => {
    const org = harness.newOrg();
    const form = new FormData();
    form.set("file", file(), "first.txt");
    form.set("attachment", file(), "second.txt");
    const response = await send(org, form);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/exactly one file/);
    expect(await readdir(stagingDir)).toEqual([]);
    expect(await openDataFiles()).toEqual([]);
  });
});

describe("the staging directory at start", () => {
  it("loses files left by an earlier run, and keeps recent ones (an upload in flight)", async () => {
    const root = await mkdtemp(join(tmpdir(), "clment-blobs-"));
    try {
      const staging = join(root, "staging");
      await mkdir(staging, { recursive: true });
      await writeFile(join(staging, "left-over"), "half an upload");
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await utimes(join(staging, "left-over"), twoHoursAgo, twoHoursAgo);
      await writeFile(join(staging, "in-flight"), "an upload still streaming");

      await new FilesystemBlobStore(root).init();

      expect(await readdir(staging)).toEqual(["in-flight"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("an upload whose transaction fails after the file was stored", () => {
  beforeAll(async () => {
    await sql`
      create function contracts.fail_version_insert() returns trigger language plpgsql as $$
      begin raise exception 'version table unavailable'; end $$;
      create trigger fail_version_insert before insert on contracts.document_versions
        for each row when (new.filename = 'doomed.txt')
        execute function contracts.fail_version_insert();
    `.execute(harness.db);
  });

  afterAll(async () => {
    await sql`
      drop trigger fail_version_insert on contracts.document_versions;
      drop function contracts.fail_version_insert();
    `.execute(harness.db);
  });

  const doomed = { filename: "doomed.txt", data: new TextEncoder().encode("Never stored.") };

  it("keeps no blob when creating a contract", async () => {
    const org = harness.newOrg();
    const response = await harness.upload(org, "POST", "/v1/contracts", doomed);
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe("INTERNAL_ERROR");
    expect(
      await harness.db.selectFrom("contracts").where("organization_id", "=", org.id).execute(),
    ).toHaveLength(0);
    expect(await filesUnder(join(blobDir, org.id))).toEqual([]);
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it("keeps no blob when adding a version", async () => {
    const org = harness.newOrg();
    const contract = await harness.createContract(org, { title: "Kept without a document" });
    const response = await harness.upload(
      org,
      "PUT",
      `/v1/contracts/${contract.id}/document`,
      doomed,
    );
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe("INTERNAL_ERROR");
    const after = await harness.call(org, "GET", `/v1/contracts/${contract.id}`);
    expect(after.body.data.contract.document).toBeNull();
    expect(await filesUnder(join(blobDir, org.id))).toEqual([]);
    expect(await readdir(stagingDir)).toEqual([]);
  });
});

describe("an upload whose inline extraction fails after the commit", () => {
  beforeAll(async () => {
    await sql`
      create function contracts.fail_extraction() returns trigger language plpgsql as $$
      begin raise exception 'extraction store unavailable'; end $$;
      create trigger fail_extraction before update on contracts.document_versions
        for each row when (new.filename = 'late.txt' and new.extraction_status <> 'pending')
        execute function contracts.fail_extraction();
    `.execute(harness.db);
  });

  afterAll(async () => {
    await sql`
      drop trigger if exists fail_extraction on contracts.document_versions;
      drop function if exists contracts.fail_extraction();
    `.execute(harness.db);
  });

  const late = { filename: "late.txt", data: new TextEncoder().encode("Text extracted later.") };

  it("answers 201 with the extraction pending, and the sweep finishes it", async () => {
    const org = harness.newOrg();
    const created = await harness.upload(org, "POST", "/v1/contracts", late);
    expect(created.status).toBe(201);
    const contract = created.body.data.contract;
    expect(contract.document).toMatchObject({ version: 1, extraction: "pending" });

    const replaced = await harness.upload(
      org,
      "PUT",
      `/v1/contracts/${contract.id}/document`,
      late,
    );
    expect(replaced.status).toBe(201);
    expect(replaced.body.data.version).toMatchObject({ version: 2, extraction: "pending" });
    expect(replaced.body.data.contract.document).toMatchObject({
      version: 2,
      extraction: "pending",
    });
    // Exactly the two versions answered: nothing a client would retry for.
    const versions = await harness.call(org, "GET", `/v1/contracts/${contract.id}/versions`);
    expect(versions.body.data.total).toBe(2);

    await sql`
      drop trigger fail_extraction on contracts.document_versions;
      drop function contracts.fail_extraction();
    `.execute(harness.db);
    // Old enough for the sweep to take it for lost.
    await harness.db
      .updateTable("document_versions")
      .set({ created_at: new Date(Date.now() - 10 * 60 * 1000) })
      .where("organization_id", "=", org.id)
      .execute();
    const swept = await sweepOnce(harness.servicesOf().app);
    expect(swept.extractions).toBeGreaterThanOrEqual(2);

    await waitFor(
      async () => {
        const text = await harness.call(org, "GET", `/v1/contracts/${contract.id}/text`);
        return text.status === 200 && text.text.includes("Text extracted later.");
      },
      { timeoutMs: 20_000, message: "the sweep to extract the text" },
    );
  });
});
