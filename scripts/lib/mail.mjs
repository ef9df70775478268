// A local mail catcher per region for `npm start`: notification emails (reminders, credits,
// disabled webhooks) land as .eml files under .data/mail/<region>/ instead of going anywhere.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { DATA_DIR } from "./state.mjs";

/**
 * @param {string} region
 * @param {number} port
 * @returns {Promise<{ url: string, dir: string, close(): Promise<void> }>}
 */
export async function startMailCatcher(region, port) {
  const dir = join(DATA_DIR, "mail", region);
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on("data", (chunk) => chunks.push(chunk));
      stream.on("end", () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${++count}.eml`;
        writeFileSync(join(dir, name), Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    dir,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
