/** Care-team domain rules: pure functions, no I/O. */
export * from './status';
export * from './versioning';
export * from './coordinator';
export * from './business-days';
export * from './transitional-care';
export * from './ccm-billing';
export * from './dates';
export * from './plan-revisions';
export * from './ccm-time';
export * from './tcm-events';
export * from './tcm-period';
