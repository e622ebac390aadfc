/**
 * Message templates: `{first_name}` placeholders, `{first_name|there}` with a fallback,
 * `{attributes.city}` for a contact's custom attributes, and `{{` / `}}` for literal braces.
 * Pure functions, no I/O.
 */

/** Variables every contact (or campaign) can fill. `attributes.<key>` is accepted in addition. */
export const KNOWN_VARIABLES = [
  'first_name',
  'last_name',
  'full_name',
  'phone',
  'email',
  'external_id',
  'segment',
  'offer_amount',
] as const;

const TOKEN = /\{\{|\}\}|\{([^{}|]*)(?:\|([^{}]*))?\}/g;
const NAME = /^(?:[a-z_][a-z0-9_]*|attributes\.[A-Za-z0-9_-]+)$/;

export interface Placeholder {
  /** Variable name as written, trimmed, e.g. `first_name` or `attributes.city`. */
  name: string;
  fallback?: string;
}

function* placeholders(template: string): Generator<Placeholder> {
  for (const m of template.matchAll(TOKEN)) {
    if (m[1] === undefined) continue; // escaped brace
    yield { name: m[1].trim(), fallback: m[2] };
  }
}

/** Distinct variable names in order of first use. */
export function templateVariables(template: string): string[] {
  return [...new Set([...placeholders(template)].map((p) => p.name))];
}

export function isKnownVariable(name: string): boolean {
  return NAME.test(name) && (name.startsWith('attributes.') || (KNOWN_VARIABLES as readonly string[]).includes(name));
}

/** Names the template uses that no contact or campaign can ever fill (typos such as `{frist_name}`). */
export function unknownVariables(template: string): string[] {
  return templateVariables(template).filter((n) => !isKnownVariable(n));
}

export interface Rendered {
  text: string;
  /** Variables with no value (a fallback, if written, was used instead). */
  missing: string[];
}

/** Fills the placeholders; an empty or absent value uses the fallback, else renders as nothing. */
export function renderTemplate(template: string, values: Readonly<Record<string, string | null | undefined>>): Rendered {
  const missing = new Set<string>();
  const text = template.replace(TOKEN, (whole, rawName: string | undefined, fallback: string | undefined) => {
    if (rawName === undefined) return whole[0]!; // `{{` → `{`, `}}` → `}`
    const name = rawName.trim();
    const value = Object.hasOwn(values, name) ? values[name] : undefined; // never `constructor` & co.
    if (value !== undefined && value !== null && value !== '') return value;
    missing.add(name);
    return fallback ?? '';
  });
  return { text, missing: [...missing] };
}

/** The values a contact (and optionally its campaign) provides, keyed by variable name. */
export function contactVariables(
  contact: {
    firstName?: string | null;
    lastName?: string | null;
    phone?: string | null;
    email?: string | null;
    externalId?: string | null;
    segment?: string | null;
    attributes?: Record<string, unknown>;
  },
  campaign?: { offerAmount?: number | null },
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {
    first_name: contact.firstName ?? undefined,
    last_name: contact.lastName ?? undefined,
    full_name: [contact.firstName, contact.lastName].filter(Boolean).join(' ') || undefined,
    phone: contact.phone ?? undefined,
    email: contact.email ?? undefined,
    external_id: contact.externalId ?? undefined,
    segment: contact.segment ?? undefined,
    offer_amount: campaign?.offerAmount == null ? undefined : String(campaign.offerAmount),
  };
  for (const [k, v] of Object.entries(contact.attributes ?? {})) {
    if (v !== null && v !== undefined && typeof v !== 'object') values[`attributes.${k}`] = String(v);
  }
  return values;
}
