import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * E.164 form of a phone number, or undefined when it is not a valid number.
 * Numbers without a leading + are read in `defaultCountry` (the workspace's setting).
 * Uses libphonenumber-js's full metadata so validity is checked per number range, not just length.
 */
export function toE164(raw: string, defaultCountry?: string | null): string | undefined {
  const trimmed = raw.trim();
  if (!trimmed) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed, (defaultCountry ?? undefined) as CountryCode | undefined);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** `+351912345678` → `*********5678` (same length): enough to recognise, not enough to use. */
export function maskPhone(e164: string | null | undefined): string {
  if (!e164) return '';
  return '*'.repeat(Math.max(e164.length - 4, 0)) + e164.slice(-4);
}
