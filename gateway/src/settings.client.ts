import {
  IDENTITY_HEADER,
  INTERNAL_ROUTES,
  ROLES,
  serviceIdentity,
  type CredentialKind,
  type IdentityTokens,
  type VerifiedCredential,
} from "@clment/auth";
import { z } from "@clment/config";
import { AppError, type Logger } from "@clment/http";

const verifiedCredential = z.object({
  organizationId: z.string(),
  principal: z.discriminatedUnion("type", [
    z.object({ type: z.literal("api_key"), id: z.string() }),
    z.object({ type: z.literal("user"), id: z.string(), sessionId: z.string() }),
  ]),
  role: z.enum(ROLES).nullable(),
  expiresAt: z.string().nullable(),
  plan: z.string().optional(),
});

export interface ApiKeyUsage {
  id: string;
  lastUsedAt: string;
}

/**
 * The settings service's internal routes, called with the gateway's own service identity.
 * Any answer that is not the expected one (settings down, timing out, failing) is 503.
 */
export class SettingsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: IdentityTokens,
    private readonly logger: Logger,
    private readonly timeoutMs = 2_000,
  ) {}

  /** The credential with this hash, or null when it is unknown, revoked or expired. */
  async verifyCredential(kind: CredentialKind, hash: string): Promise<VerifiedCredential | null> {
    const response = await this.post(INTERNAL_ROUTES.verifyCredential, { kind, hash });
    if (response.status !== 200) {
      await response.body?.cancel();
      if (response.status === 404) return null;
      throw this.unavailable(`credential verification answered ${response.status}`);
    }
    const body = (await response.json().catch(() => null)) as { data?: unknown } | null;
    const parsed = verifiedCredential.safeParse(body?.data);
    if (!parsed.success)
      throw this.unavailable("credential verification answered an unexpected body");
    return parsed.data;
  }

  async touchApiKeys(usages: ApiKeyUsage[]): Promise<void> {
    const response = await this.post(INTERNAL_ROUTES.touchApiKeys, { usages });
    await response.body?.cancel();
    if (!response.ok) throw this.unavailable(`api key touch answered ${response.status}`);
  }

  private async post(path: string, body: unknown): Promise<Response> {
    const token = await this.tokens.sign(serviceIdentity("gateway", this.tokens.region));
    try {
      return await fetch(this.baseUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json", [IDENTITY_HEADER]: token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw this.unavailable(`settings is unreachable at ${this.baseUrl}`, error);
    }
  }

  private unavailable(reason: string, error?: unknown): AppError {
    this.logger.warn({ err: error }, reason);
    return new AppError("SERVICE_UNAVAILABLE");
  }
}
