/**
 * Multi-touch attribution (pure): how much of one order each campaign message that "touched" the
 * contact before it gets. The models follow the common industry definitions (Google Analytics'
 * former Model Comparison Tool: Last Interaction, First Interaction, Linear, Time Decay with a
 * 7-day half-life, Position Based 40/20/40; the same five in Google Ads' attribution models):
 *   FIRST_TOUCH     all credit to the first touch;
 *   LAST_TOUCH      all credit to the last touch;
 *   LINEAR          equal credit to every touch;
 *   TIME_DECAY      weight 2^(−(order time − touch time) / half-life), normalised to sum 1;
 *   POSITION_BASED  one touch 100 %; two 50/50; three or more 40 % first, 40 % last, the 20 %
 *                   left shared equally by the touches in between.
 * A touch is a message to the ordering contact, not FAILED, sent in the window
 * [occurredAt − window, occurredAt] — both ends inclusive (a message sent at the very instant of
 * the order counts; one sent exactly `window` before it counts too).
 * Ties (touches sent at the same instant, to the millisecond) are defined so that the answer does
 * not depend on the order rows come in: the touches at the earliest instant share the "first"
 * credit equally, those at the latest instant the "last" credit; when every touch shares one
 * instant, every model gives equal shares; POSITION_BASED with exactly two distinct instants
 * gives 50/50 to the two groups, shared equally within each.
 */

export enum AttributionModel {
  FIRST_TOUCH = 'FIRST_TOUCH',
  LAST_TOUCH = 'LAST_TOUCH',
  LINEAR = 'LINEAR',
  TIME_DECAY = 'TIME_DECAY',
  POSITION_BASED = 'POSITION_BASED',
}

export interface Touch {
  campaignId: string;
  /** null for messages sent without a variant. */
  variantId: string | null;
  /** Epoch milliseconds. */
  sentAt: number;
}

export interface AttributionOptions {
  /** The window before the order, in milliseconds (inclusive at both ends). */
  windowMs: number;
  /** TIME_DECAY's half-life, in milliseconds (> 0). */
  halfLifeMs: number;
}

export const DAY_MS = 86_400_000;

/** Whether a touch sent at `sentAt` is inside the window of an order at `occurredAt` (both ends inclusive). */
export function inWindow(sentAt: number, occurredAt: number, windowMs: number): boolean {
  return sentAt <= occurredAt && sentAt >= occurredAt - windowMs;
}

/**
 * Each touch's credit for one order, in the order `touches` were given (touches outside the
 * window get 0). The credits of the touches in the window sum to 1; all zeros when none is.
 */
export function attributeOrder(model: AttributionModel, occurredAt: number, touches: readonly Touch[], options: AttributionOptions): number[] {
  const credits = new Array<number>(touches.length).fill(0);
  const inside: number[] = [];
  for (let i = 0; i < touches.length; i++) if (inWindow(touches[i]!.sentAt, occurredAt, options.windowMs)) inside.push(i);
  const n = inside.length;
  if (n === 0) return credits;
  let first = Infinity;
  let last = -Infinity;
  for (const i of inside) {
    const s = touches[i]!.sentAt;
    if (s < first) first = s;
    if (s > last) last = s;
  }
  // One instant: every model gives equal shares (TIME_DECAY's weights are equal anyway).
  if (first === last) {
    for (const i of inside) credits[i] = 1 / n;
    return credits;
  }
  const firstGroup = inside.filter((i) => touches[i]!.sentAt === first);
  const lastGroup = inside.filter((i) => touches[i]!.sentAt === last);
  switch (model) {
    case AttributionModel.FIRST_TOUCH:
      for (const i of firstGroup) credits[i] = 1 / firstGroup.length;
      break;
    case AttributionModel.LAST_TOUCH:
      for (const i of lastGroup) credits[i] = 1 / lastGroup.length;
      break;
    case AttributionModel.LINEAR:
      for (const i of inside) credits[i] = 1 / n;
      break;
    case AttributionModel.TIME_DECAY: {
      // Measured from the latest touch rather than the order: a common factor that normalising cancels,
      // and the latest touch's weight is 1, so no window or half-life makes every weight underflow to 0.
      let sum = 0;
      for (const i of inside) sum += credits[i] = Math.pow(2, -(last - touches[i]!.sentAt) / options.halfLifeMs);
      for (const i of inside) credits[i]! /= sum;
      break;
    }
    case AttributionModel.POSITION_BASED: {
      const middle = inside.filter((i) => touches[i]!.sentAt !== first && touches[i]!.sentAt !== last);
      // Two distinct instants: 50/50 between the groups; three or more: 40/20/40.
      const ends = middle.length === 0 ? 0.5 : 0.4;
      for (const i of firstGroup) credits[i] = ends / firstGroup.length;
      for (const i of lastGroup) credits[i] = ends / lastGroup.length;
      for (const i of middle) credits[i] = 0.2 / middle.length;
      break;
    }
  }
  return credits;
}

/** One touch of one order, as the attribution queries return them (grouped by order). */
export interface OrderTouchRow {
  orderId: string;
  /** The order's value. */
  value: number;
  /** Epoch milliseconds. */
  occurredAt: number;
  campaignId: string;
  variantId: string | null;
  /** Epoch milliseconds. */
  sentAt: number;
}

export interface CreditTotal {
  campaignId: string;
  variantId: string | null;
  /** Sum of credits (fractions of orders). */
  conversions: number;
  /** Sum of credit × order value. */
  revenue: number;
}

/**
 * Credits per (campaign, variant) over rows grouped by order (each order's touches consecutive),
 * one order at a time, so that rows can be streamed through it batch by batch: an order cut by a
 * batch boundary is kept until its next row shows another order (or `totals()` ends the stream).
 * Only pairs with credit > 0 appear.
 */
export class CreditAccumulator {
  private readonly byPair = new Map<string, CreditTotal>();
  private order: OrderTouchRow[] = [];

  constructor(
    private readonly model: AttributionModel,
    private readonly options: AttributionOptions,
  ) {}

  add(rows: Iterable<OrderTouchRow>): void {
    for (const row of rows) {
      if (this.order.length > 0 && this.order[0]!.orderId !== row.orderId) this.flush();
      this.order.push(row);
    }
  }

  /** Ends the stream: the totals so far. */
  totals(): Map<string, CreditTotal> {
    this.flush();
    return this.byPair;
  }

  private flush(): void {
    const order = this.order;
    if (order.length === 0) return;
    const { value, occurredAt } = order[0]!;
    const credits = attributeOrder(this.model, occurredAt, order, this.options);
    for (let i = 0; i < order.length; i++) {
      const credit = credits[i]!;
      if (credit <= 0) continue;
      const t = order[i]!;
      const key = `${t.campaignId}/${t.variantId ?? ''}`;
      let total = this.byPair.get(key);
      if (!total) this.byPair.set(key, (total = { campaignId: t.campaignId, variantId: t.variantId, conversions: 0, revenue: 0 }));
      total.conversions += credit;
      total.revenue += credit * value;
    }
    this.order = [];
  }
}

/** `CreditAccumulator` over rows already in memory. */
export function accumulateCredits(model: AttributionModel, rows: Iterable<OrderTouchRow>, options: AttributionOptions): Map<string, CreditTotal> {
  const acc = new CreditAccumulator(model, options);
  acc.add(rows);
  return acc.totals();
}
