export * from "./tokens.js";
export * from "./identity.js";
export * from "./credential-cache.js";
export * from "./session-cookie.js";
