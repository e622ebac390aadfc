import { registerEnumType } from 'type-graphql';

export enum TestStatus {
  NOT_STARTED = 'NOT_STARTED',
  COLLECTING = 'COLLECTING',
  SIGNIFICANT = 'SIGNIFICANT',
  INCONCLUSIVE = 'INCONCLUSIVE',
  WINNER_DECLARED = 'WINNER_DECLARED',
}
export enum NoWinnerReason {
  NOT_STARTED = 'NOT_STARTED',
  NO_RESPONSES = 'NO_RESPONSES',
  INSUFFICIENT_SAMPLE = 'INSUFFICIENT_SAMPLE',
  TIED_RESULTS = 'TIED_RESULTS',
  INSUFFICIENT_CONFIDENCE = 'INSUFFICIENT_CONFIDENCE',
  SAMPLE_RATIO_MISMATCH = 'SAMPLE_RATIO_MISMATCH',
}
export enum WinnerSource {
  AUTOMATIC = 'AUTOMATIC',
  MANUAL = 'MANUAL',
}
registerEnumType(TestStatus, { name: 'TestStatus' });
registerEnumType(NoWinnerReason, { name: 'NoWinnerReason' });
registerEnumType(WinnerSource, { name: 'WinnerSource' });
