#!/usr/bin/env node
// `npm test`: the whole suite against the real Postgres and Redis of this machine.
import { spawnSync } from "node:child_process";
import { ensureInstalled, requireStores } from "./lib/bootstrap.mjs";

ensureInstalled();
await requireStores();
const result = spawnSync("pnpm", ["exec", "jest", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_OPTIONS: [
      process.env.NODE_OPTIONS,
      "--experimental-vm-modules",
      "--no-warnings=ExperimentalWarning",
    ]
      .filter(Boolean)
      .join(" "),
  },
});
process.exit(result.status ?? 1);
