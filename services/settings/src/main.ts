import { runServiceMain } from "@clment/runtime";
import { loadSettingsConfig } from "./config.js";
import { createSettingsService } from "./service.js";

await runServiceMain(createSettingsService({ config: loadSettingsConfig() }));
