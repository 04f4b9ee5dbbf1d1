/** The scenario format: schema, loader, errors, per-party slices. The moves it lists are registered in shared/moves/registry.ts. See docs/scenarios.md. */
export * from './schema';
export * from './errors';
export { loadScenario, parseScenario, resolveDatasetPaths } from './load';
export { checkScenarioConsistency, type PathIssue } from './consistency';
export * from './slices';
export { ADULT_COLUMNS, CENSUS_COLUMNS, CENSUS_TASK_COLUMNS, datasetColumns, sourceColumns } from './sources';
export { scenarioVariants, overrideLabel, sweepEntrySchema, type ScenarioVariant, type SweepEntry } from './sweep';
export { membershipGame, type MembershipGame } from './membership';
