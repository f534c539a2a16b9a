/** Care-team domain rules: pure functions, no I/O. */
export * from './status';
export * from './versioning';
export * from './coordinator';
export * from './business-days';
export * from './transitional-care';
export * from './ccm-billing';
