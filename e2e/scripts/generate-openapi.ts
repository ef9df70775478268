/**
 * Writes gateway/openapi.json from the services' route documentation (the zod schemas their
 * routes validate with). Run `pnpm openapi` after changing a route; a test fails while the
 * committed file is out of date.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { OPENAPI_FILE, openApiText } from "../src/openapi.js";

await writeFile(OPENAPI_FILE, openApiText());
console.log(`wrote ${fileURLToPath(OPENAPI_FILE)}`);
