/**
 * An embedded synthetic "census" table shaped like UCI Adult, so the quickstart runs with no data files.
 *
 * Generative story (docs/data.md has the full table of coefficients):
 *   sex S ~ Bernoulli(pSensitive) (Male = 1)
 *   age, education_years, marital_status (from age), workclass, capital_gain (from education): independent of S
 *   occupation: a pay tier is drawn from education; within the tier, one of two occupations with the SAME effect
 *     on income is picked with an S-dependent probability (occupational segregation). This makes S partly
 *     inferable from X even when Y is independent of S, which property inference with S hidden relies on.
 *   hours_per_week: shifted by S in proportion to `dependence`
 *   income Y ~ Bernoulli(sigmoid(z)), z a linear score of the features plus `dependence` × a direct S term.
 * With dependence = 0 the distribution of z is the same for both sexes, so Y is exactly independent of S; as
 * dependence grows, both the direct term and the hours shift favour S = 1, like the gap in the real Adult data.
 * The score is noisy enough (logistic link) that the Bayes-optimal classifier is about 80-85% accurate.
 */
import { Rng } from '../random';
import { ColumnSpec, Table, TaskSpec } from './table';

export interface CensusOptions {
  rows: number;
  seed: number;
  /** P(sex = Male); default 0.5. */
  pSensitive?: number;
  /** Strength of the S–Y dependence in [0, 1]; 0 makes income independent of sex. Default 0.3. */
  dependence?: number;
}

export const CENSUS_WORKCLASSES = ['Private', 'Self-employed', 'Government', 'Without-pay'];
export const CENSUS_OCCUPATIONS = [
  'Adm-clerical', 'Craft-repair', 'Other-service', 'Transport-moving', 'Sales', 'Tech-support', 'Prof-specialty', 'Exec-managerial',
];
export const CENSUS_MARITAL_STATUSES = ['Married', 'Never-married', 'Divorced', 'Widowed'];

/** Column order matches the scenario loader's declaration (shared/scenario/sources.ts). */
export const CENSUS_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'age', type: 'numeric' },
  { name: 'hours_per_week', type: 'numeric' },
  { name: 'capital_gain', type: 'numeric' },
  { name: 'education_years', type: 'numeric' },
  { name: 'workclass', type: 'categorical', categories: CENSUS_WORKCLASSES },
  { name: 'occupation', type: 'categorical', categories: CENSUS_OCCUPATIONS },
  { name: 'marital_status', type: 'categorical', categories: CENSUS_MARITAL_STATUSES },
  { name: 'sex', type: 'categorical', categories: ['Female', 'Male'] },
  { name: 'income', type: 'categorical', categories: ['<=50K', '>50K'] },
] as ColumnSpec[]);

export const CENSUS_TASK: TaskSpec = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };

/**
 * Occupations come in pairs with the same income effect: [female-leaning, male-leaning]. Tier order is the
 * order of the pairs; codes index CENSUS_OCCUPATIONS.
 */
const OCCUPATION_TIERS: ReadonlyArray<{ pair: [number, number]; incomeEffect: number }> = [
  { pair: [2, 3], incomeEffect: -1.0 }, // Other-service / Transport-moving
  { pair: [0, 1], incomeEffect: 0.0 }, // Adm-clerical / Craft-repair
  { pair: [4, 5], incomeEffect: 0.6 }, // Sales / Tech-support
  { pair: [6, 7], incomeEffect: 1.1 }, // Prof-specialty / Exec-managerial
];
/** P(the male-leaning member of a pair | S): segregation that does not move income, so it exists at any dependence. */
const P_MALE_LEANING_OCCUPATION = [0.3, 0.7];

const WORKCLASS_WEIGHTS = [0.72, 0.11, 0.16, 0.01];
const WORKCLASS_EFFECT = [0.0, 0.3, 0.15, -2.5];
const MARITAL_EFFECT = [1.6, -1.0, -0.3, -0.3];

/** Latent score z = INTERCEPT + Σ effects; INTERCEPT sets the base rate of >50K near 30%. */
const INTERCEPT = -2.2;
const EDUCATION_EFFECT = 0.33; // per year above 10
const AGE_EFFECT = 0.03; // per year above 38 ...
const AGE_SQUARED_EFFECT = -0.0012; // ... with a peak in mid-career, as in Adult
const HOURS_EFFECT = 0.035; // per hour above 40
const CAPITAL_GAIN_EFFECT = 0.35; // per unit of ln(1 + gain)
/** At dependence 1 the direct S term moves z by this much between the sexes. */
const DIRECT_SEX_EFFECT = 2.5;
/** At dependence 1, men work this many more hours per week than women (outside the 40-hour spike). */
const HOURS_SEX_GAP = 10;

export function generateCensus(opts: CensusOptions): Table {
  const pSensitive = opts.pSensitive ?? 0.5;
  const dependence = opts.dependence ?? 0.3;
  if (!Number.isInteger(opts.rows) || opts.rows < 0) throw new Error(`generateCensus: rows must be a non-negative integer, got ${opts.rows}`);
  if (!(pSensitive >= 0 && pSensitive <= 1)) throw new Error(`generateCensus: pSensitive must be in [0, 1], got ${pSensitive}`);
  if (!(dependence >= 0 && dependence <= 1)) throw new Error(`generateCensus: dependence must be in [0, 1], got ${dependence}`);

  const rng = new Rng(opts.seed);
  const rows: number[][] = new Array(opts.rows);
  for (let i = 0; i < opts.rows; i++) rows[i] = generatePerson(rng, pSensitive, dependence);
  return { schema: { columns: CENSUS_COLUMNS.map((c) => ({ ...c, categories: c.categories && [...c.categories] })) }, rows };
}

function generatePerson(rng: Rng, pSensitive: number, dependence: number): number[] {
  const sex = rng.bernoulli(pSensitive) ? 1 : 0;
  // Signed ±1 so that the S effects are symmetric around the population and vanish at dependence 0.
  const sexSign = sex === 1 ? 1 : -1;

  // Right-skewed ages: median about 37, clipped to Adult's range.
  const age = clip(Math.round(17 + Math.exp(2.9 + 0.55 * rng.normal())), 17, 90);
  const educationYears = clip(Math.round(10 + 2.6 * rng.normal()), 1, 16);
  const maritalStatus = rng.categorical(maritalWeights(age));
  const workclass = rng.categorical(WORKCLASS_WEIGHTS);

  const tier = rng.categorical(tierWeights(educationYears));
  const occupation = OCCUPATION_TIERS[tier].pair[rng.bernoulli(P_MALE_LEANING_OCCUPATION[sex]) ? 1 : 0];

  // Mostly zero; about 8% (more with education) have a log-normal gain, capped at Adult's 99,999.
  const pGain = 0.03 + 0.01 * Math.max(0, educationYears - 8);
  const capitalGain = rng.bernoulli(pGain) ? clip(Math.round(Math.exp(8.3 + 1.0 * rng.normal())), 1, 99999) : 0;

  // A spike at exactly 40 hours, as in Adult; the rest spread around it, shorter for the young.
  const hoursPerWeek = rng.bernoulli(0.45)
    ? 40
    : clip(Math.round(40 + 11 * rng.normal() + (age < 25 ? -8 : 0) + dependence * (HOURS_SEX_GAP / 2) * sexSign), 1, 99);

  const ageOffset = age - 38;
  const score =
    INTERCEPT +
    EDUCATION_EFFECT * (educationYears - 10) +
    AGE_EFFECT * ageOffset +
    AGE_SQUARED_EFFECT * ageOffset * ageOffset +
    HOURS_EFFECT * (hoursPerWeek - 40) +
    CAPITAL_GAIN_EFFECT * Math.log1p(capitalGain) +
    OCCUPATION_TIERS[tier].incomeEffect +
    MARITAL_EFFECT[maritalStatus] +
    WORKCLASS_EFFECT[workclass] +
    dependence * (DIRECT_SEX_EFFECT / 2) * sexSign;
  const income = rng.bernoulli(sigmoid(score)) ? 1 : 0;

  return [age, hoursPerWeek, capitalGain, educationYears, workclass, occupation, maritalStatus, sex, income];
}

/** Young people are mostly never married; widowhood grows with age. Order: CENSUS_MARITAL_STATUSES. */
function maritalWeights(age: number): number[] {
  const married = age < 22 ? 0.05 : age < 30 ? 0.35 : 0.6;
  const never = age < 22 ? 0.93 : age < 30 ? 0.5 : 0.15;
  const divorced = age < 22 ? 0.02 : age < 30 ? 0.13 : 0.18;
  const widowed = age < 50 ? 0.01 : age < 65 ? 0.05 : 0.2;
  return [married, never, divorced, widowed];
}

/** More education, higher pay tier. Order: OCCUPATION_TIERS. */
function tierWeights(educationYears: number): number[] {
  const e = (educationYears - 10) / 3;
  return [Math.exp(-0.8 * e), 1.6, Math.exp(0.3 * e), Math.exp(1.2 * e) * 0.7];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
