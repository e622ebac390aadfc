/**
 * Validation of one merchant row of `upsertMerchants`. Pure. The id is taken exactly as given
 * (events carry it verbatim: `merchantId` of 1–200 characters), the name is trimmed.
 */
import { checkText, INVALID_TEXT } from '../shared/input-text';

export const MAX_MERCHANT_ID = 200;
export const MAX_MERCHANT_NAME = 200;
export const MAX_MERCHANTS_PER_CALL = 10_000;

export interface MerchantFields {
  id?: unknown;
  name?: unknown;
}

export interface MerchantRow {
  id: string;
  name: string;
}

export interface MerchantRejection {
  code: string;
  message: string;
}

export function normalizeMerchant(input: MerchantFields): MerchantRow | MerchantRejection {
  const { id, name } = input ?? {};
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_MERCHANT_ID) {
    return { code: 'INVALID_MERCHANT_ID', message: `id must be a string of 1 to ${MAX_MERCHANT_ID} characters (the merchantId events carry)` };
  }
  const badId = checkText(id, 'id');
  if (badId) return { code: INVALID_TEXT, message: badId };
  if (typeof name !== 'string') return { code: 'INVALID_MERCHANT_NAME', message: 'name must be a string' };
  const badName = checkText(name, 'name');
  if (badName) return { code: INVALID_TEXT, message: badName };
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_MERCHANT_NAME) {
    return { code: 'INVALID_MERCHANT_NAME', message: `name must have 1 to ${MAX_MERCHANT_NAME} characters besides surrounding spaces` };
  }
  return { id, name: trimmed };
}

export function isMerchantRejection(v: MerchantRow | MerchantRejection): v is MerchantRejection {
  return 'code' in v;
}
