import { z } from "zod";
import { envelope, named } from "./schemas.js";
import { operations, type OperationDoc } from "./operation.js";

const checkState = z.enum(["ok", "failed"]);

const readiness = named(
  "Readiness",
  z.object({
    status: z
      .enum(["ready", "degraded"])
      .describe(
        "`degraded`: a store the gateway serves without (Redis) is unreachable; it still serves",
      ),
    checks: z
      .record(z.string(), checkState)
      .describe("Each thing the gateway depends on (the services behind it, Redis) and its state"),
  }),
);

/**
 * The operational endpoints the gateway answers itself (API.md, "Operational endpoints"), before
 * routing, authentication and rate limiting, without the `/v1` prefix.
 */
export function gatewayOperations(): OperationDoc[] {
  return operations([
    {
      tag: "Operations",
      access: "public",
      gateway: true,
      method: "get",
      path: "/healthz",
      operationId: "getHealth",
      summary: "Liveness: the gateway process is up",
      responses: [
        {
          status: 200,
          description: "Up",
          schema: envelope({ status: z.literal("ok") }),
        },
      ],
    },
    {
      tag: "Operations",
      access: "public",
      gateway: true,
      method: "get",
      path: "/readyz",
      operationId: "getReadiness",
      summary: "Readiness: the services behind the gateway answer",
      errorNotes: {
        SERVICE_UNAVAILABLE:
          "a service behind the gateway does not answer; `details` names each one (`path`)",
      },
      responses: [{ status: 200, description: "Ready", schema: z.object({ data: readiness }) }],
    },
  ]);
}
