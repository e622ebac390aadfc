import { registerEnumType } from 'type-graphql';

export enum CampaignType {
  /** One message to everyone. */
  STANDARD = 'STANDARD',
  /** 2–8 variants with fixed weights and a statistical winner. */
  AB_TEST = 'AB_TEST',
  /** 2–8 variants whose weights adapt between waves. */
  BANDIT = 'BANDIT',
}
export enum CampaignStatus {
  DRAFT = 'DRAFT',
  SCHEDULED = 'SCHEDULED',
  RUNNING = 'RUNNING',
  PAUSED = 'PAUSED',
  COMPLETED = 'COMPLETED',
  CANCELED = 'CANCELED',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(CampaignType, { name: 'CampaignType' });
registerEnumType(CampaignStatus, { name: 'CampaignStatus' });
