/**
 * Validation of a new report schedule. Pure, no I/O (unit-tested in test/unit/report-schedule.test.ts):
 * every refusal is a BAD_USER_INPUT with its reason and field.
 */
import { badInput } from '../errors';
import { canonicalTimeZone } from '../shared/time-zone';
import { checkAlertWebhookUrl } from '../workspaces/provider-urls';
import { checkRecurrence } from './report-recurrence';

export const MAX_SCHEDULES_PER_WORKSPACE = 20;
/** Emails and webhook URLs together, per schedule. */
export const MAX_DESTINATIONS = 10;
export const MIN_REPORT_DAYS = 1;
export const MAX_REPORT_DAYS = 366;

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

export interface ScheduleInputFields {
  recurrence: string;
  timezone?: string | null;
  emails?: string[] | null;
  webhookUrls?: string[] | null;
  days?: number | null;
}

export interface ValidSchedule {
  recurrence: string;
  timezone: string;
  emails: string[];
  webhookUrls: string[];
  days: number;
  nextRunAt: Date;
}

/** `days` of a report (INVALID_DAYS outside 1..366). */
export function checkReportDays(days: number | null | undefined, field = 'input.days'): number {
  const d = days ?? 7;
  if (!Number.isInteger(d) || d < MIN_REPORT_DAYS || d > MAX_REPORT_DAYS) throw badInput('INVALID_DAYS', `days must be a whole number from ${MIN_REPORT_DAYS} to ${MAX_REPORT_DAYS}`, field);
  return d;
}

/** Checks and normalises a schedule created at `now` (duplicates removed, emails lower-cased in the domain only). */
export function validateScheduleInput(input: ScheduleInputFields, now: Date, allowCustomUrls: boolean): ValidSchedule {
  const timezone = canonicalTimeZone((input.timezone ?? 'UTC').trim());
  if (!timezone) throw badInput('INVALID_TIMEZONE', `Unknown IANA time zone "${String(input.timezone)}"`, 'input.timezone');
  const recurrence = input.recurrence.trim().replace(/^RRULE:/i, '').toUpperCase();
  const checked = checkRecurrence(recurrence, timezone, now);
  if (!checked.ok) throw badInput(checked.reason, checked.message, checked.reason === 'INVALID_TIMEZONE' ? 'input.timezone' : 'input.recurrence');
  const days = checkReportDays(input.days);

  const emails = [...new Set((input.emails ?? []).map((e, i) => checkEmail(e, i)))];
  const webhookUrls = [
    ...new Set(
      (input.webhookUrls ?? []).map((u, i) => {
        const c = checkAlertWebhookUrl(u.trim(), allowCustomUrls);
        if (!c.ok) throw badInput('INVALID_ALERT_WEBHOOK_URL', c.message.replace(/^alertWebhookUrl/, `webhookUrls[${i}]`), `input.webhookUrls.${i}`);
        return c.url;
      }),
    ),
  ];
  if (emails.length + webhookUrls.length === 0) throw badInput('NO_DESTINATION', 'A report schedule needs at least one email or webhook URL', 'input');
  if (emails.length + webhookUrls.length > MAX_DESTINATIONS) throw badInput('TOO_MANY_DESTINATIONS', `A report schedule has at most ${MAX_DESTINATIONS} emails and webhook URLs together`, 'input');
  return { recurrence, timezone, emails, webhookUrls, days, nextRunAt: checked.nextRunAt };
}

function checkEmail(text: string, i: number): string {
  const e = text.trim();
  if (e.length > 254 || !EMAIL.test(e)) throw badInput('INVALID_EMAIL', `emails[${i}] "${e.slice(0, 100)}" is not one email address`, `input.emails.${i}`);
  const at = e.lastIndexOf('@');
  return e.slice(0, at + 1) + e.slice(at + 1).toLowerCase();
}
