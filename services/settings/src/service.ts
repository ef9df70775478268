import type { Express } from "express";
import { SessionCookies } from "@clment/auth";
import { perContext, type ServiceContext, type ServiceDefinition } from "@clment/runtime";
import { Mailer } from "./clients/email.mailer.js";
import { providerFetch } from "./clients/sso-login.fetch.js";
import { WebhookHttpClient, type Resolver } from "./clients/webhook.http.js";
import { loadSettingsConfig, type SettingsConfig } from "./config.js";
import { CredentialCache } from "./data/credential-cache.js";
import type { DB } from "./data/db.js";
import { settingsRetentionRules } from "./data/retention.js";
import { Transactions } from "./data/transaction.js";
import { ApiKeyService } from "./domain/api-key.service.js";
import { AuditLogService } from "./domain/audit-log.service.js";
import { AuthService } from "./domain/auth.service.js";
import { CredentialService } from "./domain/credential.service.js";
import type { SettingsDeps } from "./domain/deps.js";
import { EmailNotificationService } from "./domain/email-notification.service.js";
import { IntegrationService } from "./domain/integration.service.js";
import { MemberService } from "./domain/member.service.js";
import { OrganizationService } from "./domain/organization.service.js";
import { SsoLoginService } from "./domain/sso-login.service.js";
import { SsoService } from "./domain/sso.service.js";
import { WebhookDeliveryService } from "./domain/webhook-delivery.service.js";
import { WebhookEndpointService } from "./domain/webhook-endpoint.service.js";
import { SecretReencryptionService } from "./domain/secret-reencryption.service.js";
import { WebhookSecretCipher } from "./domain/webhook.secrets.js";
import { SecretReencryptionJobs } from "./jobs/secret-reencryption.jobs.js";
import { WebhookDeliveryJobs } from "./jobs/webhook-delivery.jobs.js";
import { settingsEventHandlers } from "./jobs/webhook.events.js";
import { migrations } from "./migrations/index.js";
import { apiKeyRoutes } from "./routes/api-key.routes.js";
import { auditLogRoutes } from "./routes/audit-log.routes.js";
import { authRoutes, publicAuthRoutes } from "./routes/auth.routes.js";
import { integrationRoutes } from "./routes/integration.routes.js";
import { internalRoutes } from "./routes/internal.routes.js";
import { memberRoutes } from "./routes/member.routes.js";
import { organizationRoutes } from "./routes/organization.routes.js";
import { settingsAccess } from "./routes/request.js";
import { ssoLoginRoutes } from "./routes/sso-login.routes.js";
import { ssoRoutes } from "./routes/sso.routes.js";
import { webhookRoutes } from "./routes/webhook.routes.js";

export interface SettingsServiceOptions {
  /** Webhook and email settings; read from the environment when the service starts if absent. */
  config?: SettingsConfig;
  /**
   * How webhook and identity provider hosts are resolved (the system resolver by default; tests
   * choose answers).
   */
  resolver?: Resolver;
}

export function createSettingsService(options: SettingsServiceOptions = {}): ServiceDefinition<DB> {
  function useCases(context: ServiceContext<DB>) {
    const { webhooks: webhookConfig, email } = options.config ?? loadSettingsConfig();
    const deps: SettingsDeps = {
      db: context.db,
      transactions: new Transactions(context.db, context.relay),
      credentialCache: new CredentialCache(
        context.redis,
        context.config.redisPrefix,
        context.logger,
      ),
      region: context.config.REGION,
      publicBaseUrl: context.config.publicBaseUrl,
    };
    const http = new WebhookHttpClient({ ...webhookConfig, resolver: options.resolver });
    const jobs = new WebhookDeliveryJobs(context, webhookConfig);
    const mailer = new Mailer(email, context.logger);
    // The region's one cipher for stored secrets: webhook, integration and SSO secrets. It
    // accepts every previous key still configured, and secrets move to the current key.
    const cipher = new WebhookSecretCipher({
      encryptionKey: webhookConfig.encryptionKey,
      acceptedEncryptionKeys: webhookConfig.acceptedEncryptionKeys,
      identitySecret: context.config.IDENTITY_SECRET,
      acceptedIdentitySecrets: context.config.IDENTITY_ACCEPTED_SECRETS,
    });
    const reencryption = new SecretReencryptionService({
      db: context.db,
      cipher,
      logger: context.logger,
    });
    const reencryptionJobs = new SecretReencryptionJobs(
      reencryption,
      webhookConfig.reencryptIntervalMs,
      context.logger,
    );
    const webhookDeps = {
      ...deps,
      config: webhookConfig,
      cipher,
      reencryption,
      http,
      scheduler: jobs,
      logger: context.logger,
    };
    context.onClose(async () => {
      await reencryptionJobs.stop();
      await jobs.stop();
      http.close();
      mailer.close();
    });
    const sso = new SsoService({ ...deps, cipher, reencryption });
    return {
      auth: new AuthService(deps),
      apiKeys: new ApiKeyService(deps),
      members: new MemberService(deps),
      organizations: new OrganizationService(deps),
      auditLog: new AuditLogService(deps),
      credentials: new CredentialService(deps),
      webhooks: new WebhookEndpointService(webhookDeps),
      webhookDeliveries: new WebhookDeliveryService(webhookDeps),
      emails: new EmailNotificationService(context.db, mailer),
      integrations: new IntegrationService({ ...deps, cipher, reencryption }),
      sso,
      // The console's session cookies (set here, checked by the gateway with the same secret).
      sessionCookies: new SessionCookies({
        publicBaseUrl: context.config.publicBaseUrl,
        secret: context.config.IDENTITY_SECRET,
        acceptedSecrets: context.config.IDENTITY_ACCEPTED_SECRETS,
      }),
      ssoLogin: new SsoLoginService({
        ...deps,
        sso,
        allowHttp: webhookConfig.allowHttp,
        // The issuer and its endpoints get the webhook address guard, under the same flags.
        fetch: providerFetch({
          allowHttp: webhookConfig.allowHttp,
          allowPrivateNetworks: webhookConfig.allowPrivateNetworks,
          resolver: options.resolver,
        }),
        logger: context.logger,
      }),
      allowHttp: webhookConfig.allowHttp,
      jobs,
      reencryptionJobs,
    };
  }

  /** One set of use cases per running service, shared by its routes, consumers and jobs. */
  const useCasesOf = perContext(useCases);

  return {
    name: "settings",
    schema: "settings",
    migrations,
    retention: settingsRetentionRules,
    publicRoutes(app: Express, context) {
      const settings = useCasesOf(context);
      app.use(
        publicAuthRoutes(settings.auth, settings.sessionCookies),
        ssoLoginRoutes(settings.ssoLogin, settings.sessionCookies),
      );
    },
    routes(app: Express, context) {
      const settings = useCasesOf(context);
      app.use(authRoutes(settings.auth, settings.sessionCookies));
      app.use("/v1/settings", settingsAccess);
      app.use(
        apiKeyRoutes(settings.apiKeys),
        memberRoutes(settings.members),
        organizationRoutes(settings.organizations),
        auditLogRoutes(settings.auditLog),
        webhookRoutes(settings.webhooks, settings.webhookDeliveries),
        integrationRoutes(settings.integrations, { allowHttp: settings.allowHttp }),
        ssoRoutes(settings.sso, { allowHttp: settings.allowHttp }),
      );
      app.use(internalRoutes(settings.credentials));
    },
    consumers(context) {
      const settings = useCasesOf(context);
      return settingsEventHandlers(
        settings.webhookDeliveries,
        settings.emails,
        settings.organizations,
      );
    },
    async start(context) {
      const { jobs, webhookDeliveries, reencryptionJobs } = useCasesOf(context);
      reencryptionJobs.start();
      jobs.start({
        attempt: (job) => webhookDeliveries.attempt(job),
        due: (limit) => webhookDeliveries.due(limit),
      });
    },
  };
}

/** The settings service, with its webhook and email settings read from the environment. */
export const settingsService = createSettingsService();
