/**
 * Messages with a known logistic truth, for validating and benchmarking the conversion model.
 * Deterministic per seed (mulberry32). Pure.
 *
 * Truth (the generator's choices, stated so the oracle is reproducible): every contact has a
 * latent propensity u ~ N(0, 1) and a segment s (one of `segments`, with effects spread over
 * [−0.4, 0.4]); a message at local hour h with offer a (0, 5, 10, 15, 20 or 25) converts within
 * 7 days with probability σ(z):
 *
 *   z = intercept + 0.11·a + 0.9·u + 0.5·cos(2π(h − 19)/24) + segmentEffect(s) + 0.3·[EMAIL] − 0.25·[segments > 1]
 *
 * so the offer is the strongest observable feature (a range of 2.75 on the logit scale), the
 * contact's propensity is only observable through its history (prior conversion and engagement
 * rates), and the rest are weaker. A conversion happens uniformly within 0–7 days after the send;
 * a message engages (without converting) with probability σ(z + 1.5) − σ(z), and engagement comes
 * within 6 hours. Contacts get 1 + Poisson-like(meanMessages − 1) messages on random days of the
 * last `days` days.
 */
import { mulberry32, normalSample, type Rng } from '../experiments/stats/random';
import { DAY_MS, type MessageRow } from './features';

export interface SyntheticModelOptions {
  seed: number;
  contacts: number;
  meanMessages: number;
  days: number;
  segments: number;
  /** Logit intercept (−3.6 gives a base rate near 6 %). */
  intercept: number;
  /** Time the history ends (ms); labels of messages in the last 7 days are still open. */
  asOf: number;
}

export const DEFAULT_SYNTHETIC_MODEL_OPTIONS: SyntheticModelOptions = {
  seed: 7,
  contacts: 1000,
  meanMessages: 5,
  days: 90,
  segments: 5,
  intercept: -3.6,
  asOf: Date.UTC(2026, 10, 30),
};

export interface SyntheticMessages {
  rows: MessageRow[];
  /** True conversion probability of each row (the oracle). */
  truth: number[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const OFFERS = [0, 5, 10, 15, 20, 25];
const CHANNELS = ['SMS', 'SMS', 'WHATSAPP', 'EMAIL'];
const TYPES = ['STANDARD', 'AB_TEST', 'BANDIT'];
const TAGS = ['vip', 'new', 'newsletter', 'app', 'lapsed'];
const TEMPLATES = [
  'Hi {first_name}, 20% off today',
  '{first_name|Hey}, free shipping this weekend on everything in store, no code needed. Reply STOP to opt out.',
  'Last chance: our spring collection is 30% off until midnight. Tap the link to shop before it is gone, and tell a friend: they get the same deal. Reply STOP to opt out of these messages.',
];

function messageCount(rng: Rng, mean: number): number {
  // 1 + geometric with mean (mean − 1): a long tail of frequent recipients.
  const p = 1 / mean;
  let k = 1;
  while (rng() > p && k < mean * 10) k++;
  return k;
}

export function logisticTruth(row: Pick<MessageRow, 'offerAmount' | 'localHour' | 'channel' | 'template'>, u: number, segmentEffect: number, intercept: number): number {
  const segmentsOver1 = row.template !== null && row.template.length > 160 ? 1 : 0;
  const z =
    intercept +
    0.11 * (row.offerAmount ?? 0) +
    0.9 * u +
    0.5 * Math.cos((2 * Math.PI * (row.localHour - 19)) / 24) +
    segmentEffect +
    (row.channel === 'EMAIL' ? 0.3 : 0) -
    0.25 * segmentsOver1;
  return sigmoid(z);
}

export function syntheticMessages(overrides: Partial<SyntheticModelOptions> = {}): SyntheticMessages {
  const o = { ...DEFAULT_SYNTHETIC_MODEL_OPTIONS, ...overrides };
  const rng = mulberry32(o.seed);
  const segmentEffects = Array.from({ length: o.segments }, (_, i) => (o.segments === 1 ? 0 : -0.4 + (0.8 * i) / (o.segments - 1)));
  const rows: MessageRow[] = [];
  const truth: number[] = [];
  const start = o.asOf - o.days * DAY_MS;
  for (let c = 0; c < o.contacts; c++) {
    const contactId = `c${o.seed}-${c}`;
    const u = normalSample(rng);
    const s = Math.floor(rng() * o.segments);
    const tags = TAGS.filter(() => rng() < 0.25);
    const n = messageCount(rng, o.meanMessages);
    for (let m = 0; m < n; m++) {
      const day = Math.floor(rng() * o.days);
      const localHour = Math.floor(rng() * 24);
      const sentAt = start + day * DAY_MS + localHour * 3_600_000 + Math.floor(rng() * 3_600_000);
      const row: MessageRow = {
        contactId,
        sentAt,
        localHour,
        localWeekday: Math.floor(sentAt / DAY_MS + 3) % 7, // 1970-01-01 was a Thursday (ISO weekday index 3)
        channel: CHANNELS[Math.floor(rng() * CHANNELS.length)]!,
        campaignType: TYPES[Math.floor(rng() * TYPES.length)]!,
        offerAmount: OFFERS[Math.floor(rng() * OFFERS.length)]!,
        template: TEMPLATES[Math.floor(rng() * TEMPLATES.length)]!,
        segment: `segment-${s}`,
        tags,
        engagedAt: null,
        convertedAt: null,
      };
      if (row.offerAmount === 0) row.offerAmount = null;
      const p = logisticTruth(row, u, segmentEffects[s]!, o.intercept);
      const draw = rng();
      if (draw < p) {
        row.convertedAt = sentAt + Math.floor(rng() * 7 * DAY_MS);
        row.engagedAt = sentAt + Math.floor(rng() * Math.min(6 * 3_600_000, row.convertedAt - sentAt + 1));
      } else if (draw < sigmoid(Math.log(p / (1 - p)) + 1.5)) {
        row.engagedAt = sentAt + Math.floor(rng() * 6 * 3_600_000);
      }
      rows.push(row);
      truth.push(p);
    }
  }
  return { rows, truth };
}
