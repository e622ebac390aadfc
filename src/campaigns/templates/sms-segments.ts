/**
 * SMS length and segment count, per 3GPP TS 23.038 (GSM 7-bit default alphabet and its
 * extension table) and TS 23.040 (concatenated SMS: a 6-octet user data header leaves
 * 153 septets or 67 UCS-2 code units per segment; a single message holds 160 or 70).
 * A character never straddles two segments: an escape sequence (ESC + char) or a UTF-16
 * surrogate pair moves to the next segment whole. Pure function, no I/O.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Extension table characters: each costs two septets (ESC + char). */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM7' | 'UCS2';

export interface SmsLength {
  encoding: SmsEncoding;
  /** User-perceived characters (Unicode code points). */
  characters: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
}

const LIMITS: Record<SmsEncoding, { single: number; multi: number }> = {
  GSM7: { single: 160, multi: 153 },
  UCS2: { single: 70, multi: 67 },
};

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return false;
  return true;
}

export function smsLength(text: string): SmsLength {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM7' : 'UCS2';
  // Cost of each character in the encoding's units, in order.
  const costs = [...text].map((ch) => (encoding === 'GSM7' ? (extension.has(ch) ? 2 : 1) : ch.length));
  const units = costs.reduce((a, b) => a + b, 0);
  const { single, multi } = LIMITS[encoding];
  if (units === 0) return { encoding, characters: 0, units: 0, segments: 0 };
  if (units <= single) return { encoding, characters: costs.length, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, characters: costs.length, units, segments };
}
