import { runServiceMain } from "@clment/runtime";
import { reviewService } from "./service.js";

await runServiceMain(reviewService);
