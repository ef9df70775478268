import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchContracts } from "./contracts.js";
import { benchCredits } from "./credits.js";
import { benchGateway } from "./gateway.js";
import { benchReview } from "./review.js";
import { benchWebhooks } from "./webhooks.js";
import { formatValue, type Metric, type SectionResult } from "./lib/metrics.js";

interface Section {
  title: string;
  run: () => Promise<SectionResult>;
}

/**
 * `pnpm bench`: every benchmark of the repository in one run, on this machine, then a report in
 * bench/report.md. Figures that depend on the machine are compared side by side as ratios.
 */
const sections: Section[] = [
  { title: "Gateway", run: benchGateway },
  { title: "Contracts", run: benchContracts },
  { title: "Credits", run: benchCredits },
  { title: "Review", run: benchReview },
  { title: "Webhooks", run: benchWebhooks },
];

const only = process.argv.slice(2);
const report: { title: string; metrics: Metric[]; notes?: string[]; error?: string }[] = [];
for (const section of sections) {
  if (only.length > 0 && !only.some((o) => section.title.toLowerCase().includes(o.toLowerCase()))) {
    continue;
  }
  console.log(`\n## ${section.title}`);
  try {
    const result = await section.run();
    report.push(
      Array.isArray(result)
        ? { title: section.title, metrics: result }
        : { title: section.title, ...result },
    );
  } catch (error) {
    console.error(error);
    report.push({ title: section.title, metrics: [], error: String(error) });
  }
}

const lines = [
  "# Benchmark report",
  "",
  `Run ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.`,
  "",
  "| section | metric | value | target | result |",
  "|---|---|---|---|---|",
];
for (const section of report) {
  if (section.error) lines.push(`| ${section.title} | (failed) | ${section.error} | | FAIL |`);
  for (const m of section.metrics) {
    const result = m.pass === undefined ? "" : m.pass ? "pass" : "FAIL";
    lines.push(
      `| ${section.title} | ${m.name} | ${formatValue(m)} | ${m.target ?? ""} | ${result} |`,
    );
  }
}
for (const section of report) {
  if (section.notes) lines.push("", `## ${section.title}`, "", ...section.notes);
}
lines.push(
  "",
  "Plots: [gateway latency](out/gateway-latency.svg) (written when the gateway section runs).",
  "Ratios compare paths measured side by side in this run; absolute figures depend on the machine.",
);
const markdown = lines.join("\n") + "\n";
mkdirSync(join(import.meta.dirname, "out"), { recursive: true });
writeFileSync(join(import.meta.dirname, "report.md"), markdown);
console.log(`\n${markdown}`);
const failed = report.some((s) => s.error || s.metrics.some((m) => m.pass === false));
process.exitCode = failed ? 1 : 0;
