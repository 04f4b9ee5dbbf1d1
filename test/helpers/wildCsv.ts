/**
 * A csv file "from the wild" for the csv source's declarative preprocessing (docs/scenarios.md, `source: csv`): a
 * header naming "capital" twice, rows a filter must exclude (age under 17, workclass Never-worked), "?" and empty
 * cells, and an `id` column so tests can tell which row went where. Deterministic: the same rows every time.
 */
import { Rng } from '../../shared/random';

/** What the generator put in, for the tests to check the loader's counts against. */
export interface WildCsv {
  text: string;
  rows: number;
  /** Rows with age < 17 (the first filter drops them). */
  minors: number;
  /** Adult rows with workclass Never-worked (the second filter drops them). */
  neverWorked: number;
  /** Remaining rows with "?" as workclass (kept as a category). */
  unknownWorkclass: number;
  /** Remaining rows with an empty hours cell (dropped by the missing-value policy). */
  emptyHours: number;
}

export function wildCsv(rows: number, seed = 1): WildCsv {
  const rng = new Rng(seed);
  const lines = ['id,age,workclass,capital,hours,sex,capital,income,note'];
  const out: WildCsv = { text: '', rows, minors: 0, neverWorked: 0, unknownWorkclass: 0, emptyHours: 0 };
  for (let id = 1; id <= rows; id++) {
    const minor = id % 23 === 0;
    const age = minor ? 14 + rng.int(3) : 17 + rng.int(60);
    const roll = rng.next();
    let workclass = roll < 0.5 ? 'Private' : roll < 0.8 ? 'Self-emp' : 'Gov';
    if (!minor && id % 17 === 0) workclass = 'Never-worked';
    else if (!minor && id % 11 === 0) workclass = '?';
    const hoursEmpty = !minor && workclass !== 'Never-worked' && id % 13 === 0;
    const hours = hoursEmpty ? '' : String(20 + rng.int(40));
    const sex = rng.next() < 0.6 ? 'Male' : 'Female';
    // Income depends on age and sex, so a model has something to learn.
    const income = rng.next() < (age > 40 ? 0.45 : 0.15) + (sex === 'Male' ? 0.1 : 0) ? '>50K' : '<=50K';
    const gain = rng.int(3) === 0 ? String(rng.int(5000)) : '0';
    const loss = rng.int(4) === 0 ? String(rng.int(2000)) : '0';
    lines.push([id, age, workclass, gain, hours, sex, loss, income, id % 2 ? 'x' : 'y'].join(','));
    if (minor) out.minors++;
    else if (workclass === 'Never-worked') out.neverWorked++;
    else if (hoursEmpty) out.emptyHours++;
    else if (workclass === '?') out.unknownWorkclass++;
  }
  out.text = lines.join('\n') + '\n';
  return out;
}

/** The `datasets:` entry that reads it, as YAML lines under a key (indented by four spaces). */
export const WILD_CSV_DATASET_YAML = [
  '    source: csv',
  '    rename: { "capital#1": capital_gain, "capital#2": capital_loss }',
  '    columns: { id: numeric, age: numeric, workclass: categorical, capital_gain: numeric, capital_loss: numeric, hours: numeric, sex: categorical, income: categorical }',
  '    filters:',
  '      - { column: age, range: [17, null] }',
  '      - { column: workclass, in: [Private, Self-emp, Gov] }',
  '    missing: { values: ["", "?"], policy: { workclass: category } }',
  '    dropColumns: [capital_loss]',
  '    split:',
  '      parts: { train: 0.6, test: 0.3, aux: 0.1 }',
  '      stratifyBy: [income, sex]',
];
