import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CampaignRank, Portfolio } from '../analytics/analytics.types';
import { Winner } from '../experiments/winner.entity';
import { OptOutReport } from './opt-out-report.types';

@ObjectType({ description: 'portfolio, top campaigns, tests decided and opt-outs over the last `days` days' })
export class Report {
  @Field(() => Date)
  generatedAt!: Date;

  @Field(() => Int, { description: 'the window: the last `days` days before generatedAt' })
  days!: number;

  @Field(() => Date, { description: 'the window start' })
  since!: Date;

  @Field(() => Portfolio)
  portfolio!: Portfolio;

  @Field(() => [CampaignRank], { description: 'the 5 campaigns with the highest conversion rate (converted / sent) in the window; campaigns without sends left out' })
  topCampaigns!: CampaignRank[];

  @Field(() => [Winner], { description: 'winners declared in the window that are still current, newest first' })
  winners!: Winner[];

  @Field(() => OptOutReport)
  optOuts!: OptOutReport;
}

@ObjectType({ description: "one delivery of a scheduled report's run to one destination" })
export class ReportDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => Date, { description: 'the run it belongs to' })
  runAt!: Date;

  @Field({ description: 'EMAIL or WEBHOOK' })
  channel!: string;

  @Field({ description: 'the email address or webhook URL' })
  destination!: string;

  @Field({ description: 'PENDING (retried on later runs), DELIVERED, or FAILED (given up)' })
  status!: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => String, { nullable: true, description: 'the last failure' })
  error!: string | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;
}

@ObjectType({ description: 'a report delivered by email and / or signed webhook on an RRULE in a time zone' })
export class ReportSchedule {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0' })
  recurrence!: string;

  @Field({ description: 'IANA zone the rule is read in' })
  timezone!: string;

  @Field(() => [String])
  emails!: string[];

  @Field(() => [String])
  webhookUrls!: string[];

  @Field(() => Int)
  days!: number;

  @Field(() => Date, { nullable: true, description: 'null when the rule has no more occurrences' })
  nextRunAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastRunAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class ReportScheduleInput {
  @Field({ description: 'RFC 5545 RRULE value without DTSTART; at most hourly; time fields not given are taken from the creation time' })
  recurrence!: string;

  @Field(() => String, { nullable: true, defaultValue: 'UTC' })
  timezone?: string | null;

  @Field(() => [String], { nullable: true })
  emails?: string[] | null;

  @Field(() => [String], { nullable: true })
  webhookUrls?: string[] | null;

  @Field(() => Int, { nullable: true, defaultValue: 7, description: 'the report covers the last `days` days (1..366)' })
  days?: number | null;
}
