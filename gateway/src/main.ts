import { onShutdownSignal } from "@clment/runtime";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./gateway.js";

const gateway = await startGateway(loadGatewayConfig());
onShutdownSignal(() => gateway.close());
