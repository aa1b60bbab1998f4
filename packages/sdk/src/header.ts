/** The parts of a `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>][,v0=<hex>]`. */
export interface ParsedSignatureHeader {
  timestamp: number;
  /** Every signature of the expected scheme; a delivery during a secret roll carries several. */
  signatures: string[];
}

/**
 * Parses a header the way stripe-node does: split on `,`, then on `=`, exact keys, no trimming.
 * Other schemes (`v0`, ...) are ignored so that a downgrade cannot be forced.
 */
export function parseSignatureHeader(header: string, scheme = 'v1'): ParsedSignatureHeader {
  const parsed: ParsedSignatureHeader = { timestamp: -1, signatures: [] };
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') parsed.timestamp = parseInt(value ?? '', 10);
    if (key === scheme && value !== undefined) parsed.signatures.push(value);
  }
  return parsed;
}

export function formatSignatureHeader(
  timestamp: number,
  signatures: readonly string[],
  scheme = 'v1',
): string {
  return [`t=${timestamp}`, ...signatures.map((s) => `${scheme}=${s}`)].join(',');
}
