/**
 * Settings' webhook settings for tests, read when it starts: receivers on this machine over
 * http, and quick retries and sweeps.
 */
export const WEBHOOK_TEST_ENV = {
  WEBHOOKS_ALLOW_HTTP: "true",
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true",
  WEBHOOK_RETRY_DELAYS_MS: "200,400,800",
  WEBHOOK_SWEEP_INTERVAL_MS: "250",
  WEBHOOK_TIMEOUT_MS: "3000",
};

/**
 * Sets environment variables that services read when they start in this process (settings'
 * webhooks and email, review's LLM provider); answers a function that puts back what was there.
 */
export function overrideEnv(variables: Record<string, string>): () => void {
  const saved = Object.entries(variables).map(([name]) => [name, process.env[name]] as const);
  Object.assign(process.env, variables);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
