/**
 * Validation and dispatch at a LabApi boundary. Both the receiving side (IPC handler, HTTP server)
 * and the sending side (client proxy) validate, so a malformed call fails early with a message
 * naming the method and field, and a compromised renderer still cannot get past the receiver.
 */
import { z } from "zod";
import { LabUnknownMethodError, LabValidationError, type SerializedError, rebuildError, serializeError } from "./errors.ts";
import { type LabApi, findMethod, labMethods } from "./lab-api.ts";

/** What a receiver answers: the value, or the error in its wire form. */
export type LabResponse = { ok: true; value: unknown } | { ok: false; error: SerializedError };

function describeIssues(error: z.ZodError): string {
  return z.prettifyError(error).replace(/\n\s*/g, " ");
}

/** Validates the input of `service.method` and returns it with defaults applied. */
export function parseLabInput(methodName: string, raw: unknown): unknown {
  const spec = findMethod(methodName);
  if (!spec) throw new LabUnknownMethodError(`'${methodName}' is not a LabApi method.`);
  const parsed = spec.input.safeParse(raw);
  if (!parsed.success) throw new LabValidationError(`Invalid input for ${methodName}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Validates what an implementation returned, so a bug cannot leak rows or secrets past the contract. */
export function parseLabOutput(methodName: string, value: unknown): unknown {
  const spec = findMethod(methodName);
  if (!spec) throw new LabUnknownMethodError(`'${methodName}' is not a LabApi method.`);
  const parsed = spec.output.safeParse(value);
  if (!parsed.success) throw new LabValidationError(`Invalid output of ${methodName}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Validates a call, runs it on `api`, validates the result. Throws on any failure. */
export async function dispatchLabCall(api: LabApi, methodName: string, raw: unknown): Promise<unknown> {
  const input = parseLabInput(methodName, raw);
  const [service, name] = methodName.split(".") as [string, string];
  const target = (api as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[service];
  const fn = target?.[name];
  if (typeof fn !== "function") throw new LabUnknownMethodError(`'${methodName}' is not implemented.`);
  return parseLabOutput(methodName, await fn.call(target, input));
}

/** Like dispatchLabCall, but never throws: the answer a receiver sends back. */
export async function answerLabCall(api: LabApi, methodName: string, raw: unknown): Promise<LabResponse> {
  try {
    return { ok: true, value: await dispatchLabCall(api, methodName, raw) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

/** The value of an answer, or its error rebuilt and thrown. */
export function unwrapLabResponse(response: unknown): unknown {
  if (typeof response !== "object" || response === null || !("ok" in response)) {
    throw new Error("Malformed LabApi response: expected { ok, value | error }.");
  }
  const r = response as LabResponse;
  if (r.ok) return r.value;
  throw rebuildError(r.error);
}

/**
 * Wraps an implementation so every method validates its input (applying defaults) and its output,
 * whoever calls it: the same checks for in-process callers (CLI, tests) as for IPC and HTTP.
 */
export function withValidation<T extends LabApi>(api: T): T {
  const services: Record<string, Record<string, unknown>> = {};
  for (const service of Object.keys(labMethods)) {
    const members = (api as unknown as Record<string, Record<string, unknown>>)[service];
    if (!members) continue;
    const wrapped: Record<string, unknown> = { ...members };
    for (const [name, fn] of Object.entries(members)) {
      const methodName = `${service}.${name}`;
      if (typeof fn !== "function" || !findMethod(methodName)) continue;
      wrapped[name] = async (input?: unknown) => parseLabOutput(methodName, await fn.call(members, parseLabInput(methodName, input)));
    }
    services[service] = wrapped;
  }
  return { ...api, ...services };
}
