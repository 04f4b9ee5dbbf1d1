/**
 * What the scenario loader knows about each dataset source's columns, so a wrong task column or a typo in
 * `dropColumns`/`hideColumns` fails at load time with a field path instead of deep inside a party.
 *
 * The loaders themselves (census generator, adult and csv readers) live elsewhere; these lists are the
 * contract they must honour. Import them rather than re-typing the names.
 */
import type { ColumnSpec } from '../data/table';
import type { DatasetConfig } from './schema';
import { mnistColumns } from '../data/mnistTable';

/**
 * Columns of the embedded synthetic `census` generator. Categories are listed only where the scenario format
 * depends on them (the task's label and sensitive attribute).
 */
export const CENSUS_COLUMNS: readonly ColumnSpec[] = [
  { name: 'age', type: 'numeric' },
  { name: 'hours_per_week', type: 'numeric' },
  { name: 'capital_gain', type: 'numeric' },
  { name: 'education_years', type: 'numeric' },
  { name: 'workclass', type: 'categorical' },
  { name: 'occupation', type: 'categorical' },
  { name: 'marital_status', type: 'categorical' },
  { name: 'sex', type: 'categorical', categories: ['Female', 'Male'] },
  { name: 'income', type: 'categorical', categories: ['<=50K', '>50K'] },
];

/** The census generator's task columns are fixed: it models income as a function of the other columns and sex. */
export const CENSUS_TASK_COLUMNS = { label: 'income', sensitive: 'sex' } as const;

/**
 * The 15 columns of UCI Adult, named as in `adult.names` (hyphens kept), plus the class column `income`.
 * Categories are those listed in `adult.names`; adult.test writes the class with a trailing "." (">50K.") which
 * the reader strips. With `missing: category` a "?" category is added to columns that have missing values.
 */
export const ADULT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'age', type: 'numeric' },
  {
    name: 'workclass',
    type: 'categorical',
    categories: ['Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Federal-gov', 'Local-gov', 'State-gov', 'Without-pay', 'Never-worked'],
  },
  { name: 'fnlwgt', type: 'numeric' },
  {
    name: 'education',
    type: 'categorical',
    categories: [
      'Bachelors', 'Some-college', '11th', 'HS-grad', 'Prof-school', 'Assoc-acdm', 'Assoc-voc', '9th', '7th-8th', '12th',
      'Masters', '1st-4th', '10th', 'Doctorate', '5th-6th', 'Preschool',
    ],
  },
  { name: 'education-num', type: 'numeric' },
  {
    name: 'marital-status',
    type: 'categorical',
    categories: ['Married-civ-spouse', 'Divorced', 'Never-married', 'Separated', 'Widowed', 'Married-spouse-absent', 'Married-AF-spouse'],
  },
  {
    name: 'occupation',
    type: 'categorical',
    categories: [
      'Tech-support', 'Craft-repair', 'Other-service', 'Sales', 'Exec-managerial', 'Prof-specialty', 'Handlers-cleaners',
      'Machine-op-inspct', 'Adm-clerical', 'Farming-fishing', 'Transport-moving', 'Priv-house-serv', 'Protective-serv',
      'Armed-Forces',
    ],
  },
  {
    name: 'relationship',
    type: 'categorical',
    categories: ['Wife', 'Own-child', 'Husband', 'Not-in-family', 'Other-relative', 'Unmarried'],
  },
  { name: 'race', type: 'categorical', categories: ['White', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other', 'Black'] },
  { name: 'sex', type: 'categorical', categories: ['Female', 'Male'] },
  { name: 'capital-gain', type: 'numeric' },
  { name: 'capital-loss', type: 'numeric' },
  { name: 'hours-per-week', type: 'numeric' },
  {
    name: 'native-country',
    type: 'categorical',
    categories: [
      'United-States', 'Cambodia', 'England', 'Puerto-Rico', 'Canada', 'Germany', 'Outlying-US(Guam-USVI-etc)', 'India',
      'Japan', 'Greece', 'South', 'China', 'Cuba', 'Iran', 'Honduras', 'Philippines', 'Italy', 'Poland', 'Jamaica',
      'Vietnam', 'Mexico', 'Portugal', 'Ireland', 'France', 'Dominican-Republic', 'Laos', 'Ecuador', 'Taiwan', 'Haiti',
      'Columbia', 'Hungary', 'Guatemala', 'Nicaragua', 'Scotland', 'Thailand', 'Yugoslavia', 'El-Salvador',
      'Trinadad&Tobago', 'Peru', 'Hong', 'Holand-Netherlands',
    ],
  },
  { name: 'income', type: 'categorical', categories: ['<=50K', '>50K'] },
];

/**
 * The columns a dataset will have once loaded (after `dropColumns`), as far as the scenario declares them.
 * Categories are present only when known before reading the data.
 */
export function datasetColumns(dataset: DatasetConfig): ColumnSpec[] {
  switch (dataset.source) {
    case 'census':
      return CENSUS_COLUMNS.map((c) => ({ ...c }));
    case 'adult': {
      const dropped = new Set(dataset.dropColumns);
      return ADULT_COLUMNS.filter((c) => !dropped.has(c.name)).map((c) => ({ ...c }));
    }
    case 'csv':
      return Object.entries(dataset.columns).map(([name, type]) => ({ name, type }));
    case 'mnist':
      return mnistColumns(mnistTaskOf(dataset));
  }
}

/** The MNIST task a `source: mnist` declaration names. */
export function mnistTaskOf(dataset: { digits?: [number, number]; parity?: true }): { digits: [number, number] } | { parity: true } {
  return dataset.parity ? { parity: true } : { digits: dataset.digits as [number, number] };
}

/** Columns of the source before any `dropColumns`. */
export function sourceColumns(dataset: DatasetConfig): ColumnSpec[] {
  return dataset.source === 'adult' ? ADULT_COLUMNS.map((c) => ({ ...c })) : datasetColumns(dataset);
}
