import { describe, expect, it } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";
import {
  buildOpenApiDocument,
  envelope,
  errorCodes,
  gatewayOperations,
  named,
  type OperationDoc,
} from "../src/index.js";

type Json = Record<string, any>;

const thing = named("Thing", z.strictObject({ id: z.string(), name: z.string() }));

const createThing: OperationDoc = {
  tag: "Things",
  access: "authenticated",
  method: "post",
  path: "/v1/things",
  operationId: "createThing",
  summary: "Create a thing",
  body: z.strictObject({ name: z.string() }),
  responses: [{ status: 201, description: "The thing", schema: envelope({ thing }) }],
};

const signup: OperationDoc = {
  tag: "Auth",
  access: "public",
  method: "post",
  path: "/v1/auth/signup",
  operationId: "signup",
  summary: "Sign up",
  body: z.strictObject({ email: z.string() }),
  errors: ["CONFLICT"],
  responses: [{ status: 201, description: "Signed up", schema: envelope({ ok: z.boolean() }) }],
};

function operation(doc: Json, path: string, method: string): Json {
  return doc.paths[path][method];
}

const hasIdempotencyKey = (op: Json) =>
  op.parameters.some((p: Json) => p.$ref === "#/components/parameters/Idempotency-Key");

/** Every `additionalProperties: false` in a JSON value. */
function closedObjects(json: unknown): number {
  return (JSON.stringify(json).match(/"additionalProperties":false/g) ?? []).length;
}

describe("buildOpenApiDocument", () => {
  describe("Idempotency-Key", () => {
    it("is a parameter of authenticated POSTs, with its 409 answers", () => {
      const op = operation(buildOpenApiDocument([createThing]), "/v1/things", "post");
      expect(hasIdempotencyKey(op)).toBe(true);
      expect(errorCodes(createThing)).toEqual(
        expect.arrayContaining(["CONFLICT", "IDEMPOTENCY_KEY_REUSED"]),
      );
      expect(op.responses["409"].description).toBe(
        "`CONFLICT`: a request with the same Idempotency-Key is still running (retry later); `IDEMPOTENCY_KEY_REUSED`: the Idempotency-Key was used with a different request",
      );
    });

    it("is not offered on public POSTs, which have no organization to keep keys for", () => {
      const op = operation(buildOpenApiDocument([signup]), "/v1/auth/signup", "post");
      expect(hasIdempotencyKey(op)).toBe(false);
      expect(errorCodes(signup)).not.toContain("IDEMPOTENCY_KEY_REUSED");
      expect(op.responses["409"].description).toBe(
        "`CONFLICT`: the request conflicts with the current state",
      );
    });

    it("is not offered on other methods", () => {
      const get: OperationDoc = { ...createThing, method: "get", body: undefined };
      const op = operation(buildOpenApiDocument([get]), "/v1/things", "get");
      expect(hasIdempotencyKey(op)).toBe(false);
      expect(op.responses["409"]).toBeUndefined();
    });
  });

  describe("error notes", () => {
    it("describe what a code means for the operation, and make it one of its answers", () => {
      const cancel: OperationDoc = {
        ...createThing,
        method: "delete",
        path: "/v1/things/:id",
        body: undefined,
        errorNotes: { CONFLICT: "the thing was already sent" },
      };
      expect(errorCodes(cancel)).toContain("CONFLICT");
      const op = operation(buildOpenApiDocument([cancel]), "/v1/things/{id}", "delete");
      expect(op.responses["409"].description).toBe("`CONFLICT`: the thing was already sent");
    });

    it("come before the idempotency conflict on a POST", () => {
      const test: OperationDoc = {
        ...createThing,
        errorNotes: { CONFLICT: "the thing is disabled" },
      };
      const op = operation(buildOpenApiDocument([test]), "/v1/things", "post");
      expect(op.responses["409"].description).toMatch(
        /^`CONFLICT`: the thing is disabled, or a request with the same Idempotency-Key is still running/,
      );
    });
  });

  describe("schemas", () => {
    const doc = buildOpenApiDocument([createThing]);
    const op = operation(doc, "/v1/things", "post");
    const ajv = new Ajv2020({ strict: false });
    const validate = (schema: Json, value: unknown) =>
      ajv.compile({ ...schema, components: doc.components })(value);

    it("leave answers open: an additive field validates", () => {
      const answer = op.responses["201"].content["application/json"].schema;
      expect(closedObjects(answer)).toBe(0);
      expect(closedObjects((doc.components.schemas as Json).Thing)).toBe(0);
      const body = { data: { thing: { id: "t1", name: "T", added: 1 } }, more: true };
      expect(validate(answer, body)).toBe(true);
      expect(validate(answer, { data: { thing: { id: "t1" } } })).toBe(false);
    });

    it("keep request bodies as strict as the route parses them", () => {
      const body = op.requestBody.content["application/json"].schema;
      expect(validate(body, { name: "T" })).toBe(true);
      expect(validate(body, { name: "T", unknown: 1 })).toBe(false);
    });

    it("refuse a named schema used both as a request body and in an answer", () => {
      const both: OperationDoc = { ...createThing, body: thing };
      expect(() => buildOpenApiDocument([both])).toThrow(/Schema Thing converts differently/);
    });
  });

  describe("the gateway's operational endpoints", () => {
    const doc = buildOpenApiDocument(gatewayOperations());

    it("are public, without the /v1 prefix, and answer only their own errors", () => {
      expect(Object.keys(doc.paths)).toEqual(["/healthz", "/readyz"]);
      const health = operation(doc, "/healthz", "get");
      const ready = operation(doc, "/readyz", "get");
      expect(health.security).toEqual([]);
      expect(ready.security).toEqual([]);
      expect(Object.keys(health.responses)).toEqual(["200"]);
      expect(Object.keys(ready.responses)).toEqual(["200", "503"]);
      expect(Object.keys(ready.responses["200"].headers)).toEqual(["X-Request-Id"]);
      expect(doc.tags).toEqual([{ name: "Operations", description: expect.any(String) }]);
    });
  });
});
