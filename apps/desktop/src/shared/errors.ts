/**
 * Errors crossing a boundary (IPC, HTTP) travel as `{ name, message }` and are rebuilt on the other
 * side, so `err.name` survives and the receiver can branch on it. Stacks never cross: they leak
 * paths and mean nothing to the other process.
 */

/** The wire form of an error. */
export interface SerializedError {
  name: string;
  message: string;
}

/** A call whose input (or a service's output) did not match its schema. */
export class LabValidationError extends Error {
  override name = "ValidationError";
}

/** A named entity (dataset, run, ...) does not exist. */
export class LabNotFoundError extends Error {
  override name = "NotFoundError";
}

/** The call is valid but not possible in the current state (cancelling a finished run, ...). */
export class LabConflictError extends Error {
  override name = "ConflictError";
}

/** The call reached a channel that is not part of LabApi. */
export class LabUnknownMethodError extends Error {
  override name = "UnknownMethodError";
}

const knownErrors: Record<string, new (message: string) => Error> = {
  ValidationError: LabValidationError,
  NotFoundError: LabNotFoundError,
  ConflictError: LabConflictError,
  UnknownMethodError: LabUnknownMethodError,
};

/** Turns anything thrown into its wire form. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name || "Error", message: err.message };
  return { name: "Error", message: String(err) };
}

/** Rebuilds a thrown error from its wire form; known names get their class back. */
export function rebuildError(wire: SerializedError): Error {
  const Known = knownErrors[wire.name];
  const err = Known ? new Known(wire.message) : new Error(wire.message);
  err.name = wire.name;
  return err;
}

/** True for a value shaped like a wire error. */
export function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as SerializedError).name === "string" &&
    typeof (value as SerializedError).message === "string"
  );
}
