import { runServiceMain } from "@clment/runtime";
import { loadCreditsConfig } from "./config.js";
import { createCreditsService } from "./service.js";

await runServiceMain(createCreditsService(loadCreditsConfig()));
