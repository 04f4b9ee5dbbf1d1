/** Metrics shared by every party: fairness, bootstrap intervals, the one ROC implementation, Hoeffding. */
export * from './fairness';
export * from './bootstrap';
export * from './fairnessReport';
export * from './roc';
export * from './hoeffding';
export * from './mutualInformation';
export * from './overSeeds';
