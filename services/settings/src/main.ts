import { runServiceMain } from "@clment/runtime";
import { settingsService } from "./service.js";

await runServiceMain(settingsService);
