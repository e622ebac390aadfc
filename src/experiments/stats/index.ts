/**
 * Splitcast's statistics core: pure functions (no I/O) for deciding A/B test winners on SMS
 * conversion data. Each function documents its method and its degenerate cases; reference values
 * come from scipy (test/fixtures/stats/make_reference.py).
 */
export * from './distributions';
export * from './chi-square';
export * from './z-test';
export * from './holm';
export * from './interval';
export * from './welch';
export * from './srm';
export * from './bayes';
export * from './power';
export * from './sequential';
export * from './random';
