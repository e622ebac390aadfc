import { Arg, Ctx, Extensions, Field, Float, ID, InputType, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { RejectedEvent } from '../contacts/contact.resolver';
import type { Context } from '../graphql/context';
import { VALIDATED_PER_ITEM } from '../graphql/input-guard';

/** Validated row by row (one bad order never fails its neighbours): see graphql/input-guard.ts. */
@Extensions(VALIDATED_PER_ITEM)
@InputType({ description: 'an order recorded by a shop, POS or CRM; a refund is not an order (value ≥ 0)' })
export class OrderInput {
  @Field(() => ID, { nullable: true, description: 'one of contactId, externalId, phone, email identifies the contact' })
  contactId?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => String, { nullable: true, description: "normalised to E.164 (numbers without + read in the workspace's defaultCountry)" })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'matched case-insensitively' })
  email?: string | null;

  @Field(() => String, { description: "the shop's order id: an order id is recorded once per workspace (the first recording wins)" })
  orderId!: string;

  @Field(() => Float, { description: '0 to 1e12' })
  value!: number;

  @Field(() => Date, { nullable: true, description: 'defaults to now' })
  occurredAt?: Date | null;

  @Field(() => ID, { nullable: true })
  merchantId?: string | null;
}

@ObjectType()
export class RecordOrdersPayload {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int, { description: 'orders whose orderId was already recorded in the workspace' })
  duplicates!: number;

  @Field(() => [RejectedEvent])
  rejected!: RejectedEvent[];

  @Field(() => Int, { description: "experiment conversions these orders made (an order by a test recipient within the window after its send, once per recipient)" })
  conversions!: number;
}

@Resolver()
export class OrdersResolver {
  @Mutation(() => RecordOrdersPayload, { description: 'at most 1000 orders; returns once the accepted ones (and the conversions they make) are committed' })
  recordOrders(@Arg('orders', () => [OrderInput]) orders: OrderInput[], @Ctx() ctx: Context): Promise<RecordOrdersPayload> {
    return ctx.services.orders.record(orders, 'api');
  }

  @Mutation(() => RecordOrdersPayload, { description: 'orders as CSV, a header row of OrderInput field names; rows are indexed from 0 (the first data row)' })
  importOrdersCsv(@Arg('csv') csv: string, @Ctx() ctx: Context): Promise<RecordOrdersPayload> {
    return ctx.services.orders.importCsv(csv, 'csv');
  }
}
