/** A body that verified but is not an event this handler takes. */
export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';
}

/** Reads a verified body as JSON; anything but an object with a string `id` and `type` is refused. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidPayloadError(`The body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPayloadError('The body is not a JSON object.');
  }
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string' || typeof record.type !== 'string') {
    throw new InvalidPayloadError('The body is not an event: it needs a string `id` and `type`.');
  }
  return record;
}
