/**
 * Loader for the UCI Adult files (Kohavi & Becker 1996) in their distributed format: `adult.data` and
 * `adult.test`, no header, ", " separators, "?" for missing values; adult.test starts with the line
 * "|1x3 Cross validator" and writes its labels with a trailing dot (">50K."). The category lists are fixed in
 * code (copied from adult.names) rather than discovered, so the train and test files get the same codes even
 * where one of them lacks a value (adult.test has no "Holand-Netherlands").
 */
import { ColumnSpec, Table, TaskSpec } from './table';
import { DataError } from './errors';
import { parseNumericField, readDataFile } from './csv';

export type AdultMissingPolicy = 'drop' | 'category';

export interface AdultOptions {
  /**
   * 'drop' (default): drop every row with a "?" (adult.data 32,561 → 30,162 rows; adult.test 16,281 → 15,060).
   * 'category': keep "?" as an extra category ADULT_MISSING of workclass, occupation and native-country, the
   * only columns where the real files have it; a "?" in any other column still drops its row.
   */
  missing?: AdultMissingPolicy;
  /** Columns to leave out, e.g. ['fnlwgt'] (a census sampling weight, not a property of the person). */
  dropColumns?: string[];
}

export const ADULT_MISSING = '?';

/** The columns that contain "?" in the real files, and so get the extra category under missing: 'category'. */
const COLUMNS_WITH_MISSING = new Set(['workclass', 'occupation', 'native-country']);

/** The 15 columns of adult.names, in file order. Category order is adult.names order. */
export const ADULT_COLUMNS: readonly ColumnSpec[] = Object.freeze([
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
    categories: [
      'Married-civ-spouse', 'Divorced', 'Never-married', 'Separated', 'Widowed', 'Married-spouse-absent', 'Married-AF-spouse',
    ],
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
] as ColumnSpec[]);

/** The usual fairness task on Adult: predict income > 50K, protected attribute sex with Male privileged. */
export const ADULT_TASK: TaskSpec = { label: 'income', positive: '>50K', sensitive: 'sex', privileged: 'Male' };

/** The schema loadAdult returns for these options: the same for adult.data and adult.test. */
export function adultSchemaFor(opts: AdultOptions = {}): ColumnSpec[] {
  const dropped = new Set(opts.dropColumns ?? []);
  return ADULT_COLUMNS.filter((c) => !dropped.has(c.name)).map((c): ColumnSpec => {
    if (c.type === 'numeric') return { name: c.name, type: 'numeric' };
    const categories = [...c.categories!];
    if (opts.missing === 'category' && COLUMNS_WITH_MISSING.has(c.name)) categories.push(ADULT_MISSING);
    return { name: c.name, type: 'categorical', categories };
  });
}

export function loadAdult(path: string, opts: AdultOptions = {}): Table {
  const policy = opts.missing ?? 'drop';
  if (policy !== 'drop' && policy !== 'category') {
    throw new Error(`loadAdult: missing must be 'drop' or 'category', got ${JSON.stringify(policy)}`);
  }
  for (const name of opts.dropColumns ?? []) {
    if (!ADULT_COLUMNS.some((c) => c.name === name)) {
      throw new DataError(`cannot drop "${name}": not an Adult column (columns: ${ADULT_COLUMNS.map((c) => c.name).join(', ')})`, {
        file: path,
        column: name,
      });
    }
  }
  const columns = adultSchemaFor({ ...opts, missing: policy });
  const dropped = new Set(opts.dropColumns ?? []);
  // For each of the 15 file fields: its output position (-1 when dropped) and its category → code lookup.
  const outputIndex: number[] = [];
  let next = 0;
  for (const c of ADULT_COLUMNS) outputIndex.push(dropped.has(c.name) ? -1 : next++);
  const codeMaps = ADULT_COLUMNS.map((c, f) => {
    const out = outputIndex[f];
    return out >= 0 && columns[out].categories ? new Map(columns[out].categories!.map((v, code) => [v, code])) : null;
  });
  const labelField = ADULT_COLUMNS.length - 1;

  const text = readDataFile(path);
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  for (let l = 0; l < lines.length; l++) {
    const lineNumber = l + 1;
    const content = lines[l].trim();
    // Blank lines end the files; "|1x3 Cross validator" heads adult.test (lines starting "|" are comments).
    if (content === '' || content.startsWith('|')) continue;
    const fields = content.split(',').map((f) => f.trim());
    if (fields.length !== ADULT_COLUMNS.length) {
      throw new DataError(`expected ${ADULT_COLUMNS.length} comma-separated fields but found ${fields.length}`, {
        file: path,
        line: lineNumber,
      });
    }
    // adult.test writes ">50K." where adult.data writes ">50K".
    if (fields[labelField].endsWith('.')) fields[labelField] = fields[labelField].slice(0, -1);

    const row = new Array<number>(columns.length);
    let dropRow = false;
    for (let f = 0; f < fields.length; f++) {
      const out = outputIndex[f];
      if (out < 0) continue;
      const spec = ADULT_COLUMNS[f];
      const raw = fields[f];
      const where = { file: path, line: lineNumber, column: spec.name };
      if (raw === ADULT_MISSING && (policy === 'drop' || !codeMaps[f]?.has(ADULT_MISSING))) {
        dropRow = true;
        break;
      }
      if (spec.type === 'numeric') {
        row[out] = parseNumericField(raw, where);
        continue;
      }
      const code = codeMaps[f]!.get(raw);
      if (code === undefined) {
        throw new DataError(`${JSON.stringify(raw)} is not a value of "${spec.name}" (expected one of: ${columns[out].categories!.join(', ')})`, where);
      }
      row[out] = code;
    }
    if (!dropRow) rows.push(row);
  }
  if (rows.length === 0) throw new DataError('no Adult records in the file (every row was blank, a comment or had a missing value)', { file: path });
  return { schema: { columns }, rows };
}
