import { registerEnumType } from 'type-graphql';

/** Every engagement fact Splitcast stores. The opt-out log uses OPTED_OUT / OPTED_IN. */
export enum EventType {
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
  OPENED = 'OPENED',
  CLICKED = 'CLICKED',
  REPLIED = 'REPLIED',
  CONVERTED = 'CONVERTED',
  OPTED_OUT = 'OPTED_OUT',
  OPTED_IN = 'OPTED_IN',
}
registerEnumType(EventType, { name: 'EventType' });
