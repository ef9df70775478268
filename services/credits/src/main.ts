import { runServiceMain } from "@clment/runtime";
import { creditsService } from "./service.js";

await runServiceMain(creditsService);
