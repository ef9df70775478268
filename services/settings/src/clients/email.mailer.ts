import nodemailer, { type Transporter } from "nodemailer";
import type { Logger } from "@clment/http";
import type { EmailConfig } from "../config.js";

export interface Email {
  to: string[];
  subject: string;
  text: string;
}

/**
 * Sends notification emails over SMTP (nodemailer). Without an SMTP server configured, a message
 * is logged instead, so a local region without mail still shows what would have gone out.
 */
export class Mailer {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly config: EmailConfig,
    private readonly logger: Logger,
  ) {
    this.transport = config.smtpUrl
      ? nodemailer.createTransport(config.smtpUrl, { from: config.from })
      : undefined;
  }

  /** Sends one message to all recipients; throws when the server refuses (the caller retries). */
  async send(email: Email): Promise<void> {
    if (email.to.length === 0) return;
    if (!this.transport) {
      this.logger.info({ email }, "email (no SMTP_URL configured: logged, not sent)");
      return;
    }
    await this.transport.sendMail({
      from: this.config.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
    });
  }

  close(): void {
    this.transport?.close();
  }
}
