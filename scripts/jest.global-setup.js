// Prepares the migrated template database once per Jest run (see prepare-test-template.ts).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export default function globalSetup() {
  const template = execFileSync(
    process.execPath,
    ["--conditions=development", "--import", "tsx", join(root, "e2e/src/prepare-test-template.ts")],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  ).trim();
  process.env.CLMENT_TEST_TEMPLATE = template;
}
