// JSON columns: objects go in as text and come back parsed.

export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function fromJson<T>(text: unknown): T | null {
  return typeof text === "string" ? (JSON.parse(text) as T) : null;
}

export function nowIso(): string {
  return new Date().toISOString();
}
