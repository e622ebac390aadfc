import { registerEnumType } from 'type-graphql';

export enum Sentiment {
  POSITIVE = 'POSITIVE',
  NEGATIVE = 'NEGATIVE',
  NEUTRAL = 'NEUTRAL',
}
registerEnumType(Sentiment, { name: 'Sentiment' });
