export * from "./credits.contract.js";
export * from "./credits.client.js";
