import { runServiceMain } from "@clment/runtime";
import { contractsService } from "./service.js";

await runServiceMain(contractsService);
