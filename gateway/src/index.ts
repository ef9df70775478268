export { startGateway, type RunningGateway } from "./gateway.js";
export {
  gatewayEnvSchema,
  loadGatewayConfig,
  type GatewayConfig,
  type GatewayEnv,
} from "./config.js";
export { parseRequestPath, type RequestPath } from "./request-path.js";
export { compileRoutes, ROUTES, UPSTREAMS, type Route, type Upstream } from "./route.table.js";
