/**
 * Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`, `1e3`), parsed to numbers
 * so that props can be checked (limits >= requests) and configuration derived from them
 * (e.g. PostgreSQL shared_buffers from the memory limit).
 */

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]*)?|[+]?\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;

/** The value of a quantity in base units (cores or bytes), or undefined when it does not parse. */
export function parseQuantity(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? quantity : undefined;
  // Props arrive unchecked from JavaScript (npm run synth does not type-check).
  if (typeof quantity !== 'string') return undefined;
  const match = QUANTITY.exec(quantity.trim());
  if (!match || quantity.trim() !== quantity) return undefined;
  const [, number, suffix, exponent] = match;
  const base = parseFloat(number);
  if (exponent !== undefined) return base * 10 ** parseInt(exponent, 10);
  return base * SUFFIX[suffix ?? ''];
}

/** What a quantity measures: cores, or bytes (memory, ephemeral storage, volumes). */
export type QuantityKind = 'cpu' | 'bytes';

/**
 * Why `quantity` is not a valid amount of `kind`, or undefined. Bytes come whole: a
 * milli-unit (`512m` memory is 0.512 bytes) parses but is always a mistake for bytes.
 */
export function checkQuantity(quantity: unknown, kind: QuantityKind, example = kind === 'cpu' ? '250m or 1' : '512Mi or 10Gi'): string | undefined {
  if (typeof quantity !== 'string' && typeof quantity !== 'number')
    return `must be a quantity such as ${example} (is ${quantity === null ? 'null' : typeof quantity})`;
  const value = parseQuantity(quantity);
  if (value === undefined) return `'${quantity}' is not a valid quantity (e.g. ${example})`;
  if (kind === 'bytes') {
    if (typeof quantity === 'string' && /[0-9.]m$/.test(quantity)) {
      return `'${quantity}' is in milli-units (thousandths of a byte); use Ki, Mi or Gi (e.g. ${quantity.slice(0, -1)}Mi)`;
    }
    if (!Number.isInteger(value)) return `'${quantity}' is not a whole number of bytes (e.g. ${example})`;
  }
  return undefined;
}

/** Formats bytes as the largest binary unit that keeps a whole number (`512Mi`, `1536Ki`). */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size && Number.isInteger(bytes / size)) return `${bytes / size}${unit}`;
  }
  return String(Math.round(bytes));
}

/** Formats cores as millicores (`250m`) or whole cores (`2`). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
