/**
 * The second pass over a structurally valid scenario: rules that relate two fields. Each issue carries the
 * path of the field to fix, so `load.ts` can point at it in the YAML file.
 */
import { externalMoveIds, moveById } from '../moves/registry';
import type { CostView, GenerationView } from '../moves/move';
import { samplerTimestepsOf } from '../diffusion/schedule';
import { listForMessage, type PathIssue, type ScenarioIssuePath } from './errors';
import type { DatasetConfig, Scenario } from './schema';
import { CENSUS_TASK_COLUMNS, datasetColumns, sourceColumns } from './sources';
import { IMAGE_MODEL_KINDS } from './lists';
import { sharedHiddenColumns } from './slices';
import { checkCsvDataset } from './csvChecks';
import { datasetRefProblem, declaredDataset, parseDatasetRef, readSameFile } from './datasetRefs';

// Declared in errors.ts (a leaf module) and re-exported here, where the checks' callers have always found them.
export { listForMessage, type PathIssue } from './errors';

/** Indices of the entries that repeat an earlier one. */
function duplicateIndices(values: readonly string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  values.forEach((v, i) => {
    if (seen.has(v)) out.push(i);
    seen.add(v);
  });
  return out;
}

function checkDatasetRefs(s: Scenario, issues: PathIssue[]): void {
  const refs: Array<[ScenarioIssuePath, string]> = [
    [['sharer', 'data'], s.sharer.data],
    [['receiver', 'testData'], s.receiver.testData],
  ];
  for (const [path, name] of refs) {
    const problem = datasetRefProblem(s.datasets, name);
    if (problem) issues.push({ path, message: problem });
  }
  if (s.receiver.testData === s.sharer.data) {
    issues.push({
      path: ['receiver', 'testData'],
      message: `must not be the sharer's dataset "${s.sharer.data}": no party reads another party's data`,
    });
    return;
  }
  if (readSameFile(s.datasets, s.sharer.data, s.receiver.testData)) {
    issues.push({
      path: ['datasets', parseDatasetRef(s.receiver.testData).name, 'path'],
      message: `must not be the file of the sharer's dataset "${s.sharer.data}": no party reads another party's files`,
    });
  }
}

function checkDatasets(s: Scenario, issues: PathIssue[]): void {
  for (const [name, ds] of Object.entries(s.datasets)) {
    if (ds.source === 'census' && ds.take && ds.take.rows > ds.rows) {
      issues.push({
        path: ['datasets', name, 'take', 'rows'],
        message: `expected at most the dataset's rows (${ds.rows})`,
      });
    }
    if (ds.propertyShare) {
      const { column, value, rows } = ds.propertyShare;
      const spec = datasetColumns(ds).find((c) => c.name === column);
      const available = ds.source === 'census' ? ds.take?.rows ?? ds.rows : undefined;
      if (!spec || spec.type !== 'categorical') {
        issues.push({
          path: ['datasets', name, 'propertyShare', 'column'],
          message: `expected a categorical column of dataset "${name}" (${listForMessage(datasetColumns(ds).filter((c) => c.type === 'categorical').map((c) => c.name))})`,
        });
      } else if (spec.categories && !spec.categories.includes(value)) {
        issues.push({ path: ['datasets', name, 'propertyShare', 'value'], message: `expected a value of column "${column}" (${listForMessage(spec.categories)})` });
      }
      if (available !== undefined && rows > available) {
        issues.push({ path: ['datasets', name, 'propertyShare', 'rows'], message: `expected at most the dataset's rows (${available})` });
      }
    }
    if (ds.source === 'csv') issues.push(...checkCsvDataset(name, ds, s.task));
    if (ds.source === 'adult') {
      const known = sourceColumns(ds).map((c) => c.name);
      ds.dropColumns.forEach((col, i) => {
        if (!known.includes(col)) {
          issues.push({ path: ['datasets', name, 'dropColumns', i], message: `expected an adult column (${listForMessage(known)})` });
        } else if (col === s.task.label || col === s.task.sensitive) {
          issues.push({
            path: ['datasets', name, 'dropColumns', i],
            message: `must not drop a task column (task.label = ${s.task.label}, task.sensitive = ${s.task.sensitive})`,
          });
        }
      });
      for (const i of duplicateIndices(ds.dropColumns)) {
        issues.push({ path: ['datasets', name, 'dropColumns', i], message: 'expected each column at most once' });
      }
    }
  }
}

/** The task's columns must exist, be categorical, and (where the source fixes them) hold the named values. */
function checkTaskAgainst(datasetName: string, ds: DatasetConfig, s: Scenario, issues: PathIssue[]): void {
  const columns = datasetColumns(ds);
  const roles = [
    { column: 'label', value: 'positive', fixed: CENSUS_TASK_COLUMNS.label },
    { column: 'sensitive', value: 'privileged', fixed: CENSUS_TASK_COLUMNS.sensitive },
  ] as const;
  for (const role of roles) {
    const columnName = s.task[role.column];
    if (ds.source === 'census' && columnName !== role.fixed) {
      issues.push({
        path: ['task', role.column],
        message: `expected "${role.fixed}": the census generator's ${role.column} column (dataset "${datasetName}")`,
      });
      continue;
    }
    const spec = columns.find((c) => c.name === columnName);
    if (!spec) {
      const dropped = (ds.source === 'adult' || ds.source === 'csv') && ds.dropColumns.includes(columnName);
      issues.push({
        path: ['task', role.column],
        message: dropped
          ? `expected a column of dataset "${datasetName}", which drops it in dropColumns`
          : `expected a column of dataset "${datasetName}" (${ds.source} columns: ${listForMessage(columns.map((c) => c.name))})`,
      });
      continue;
    }
    if (spec.type !== 'categorical') {
      issues.push({
        path: ['task', role.column],
        message: `expected a categorical column, but "${columnName}" is ${spec.type} in dataset "${datasetName}"`,
      });
      continue;
    }
    const value = s.task[role.value];
    if (spec.categories && !spec.categories.includes(value)) {
      issues.push({
        path: ['task', role.value],
        message: `expected a value of column "${columnName}" (${listForMessage(spec.categories)})`,
      });
    }
  }
}

function checkTask(s: Scenario, issues: PathIssue[]): void {
  if (s.task.label === s.task.sensitive) {
    issues.push({ path: ['task', 'sensitive'], message: 'expected a column other than task.label' });
    return;
  }
  // Both parties' data must carry the task; check each distinct dataset once (issues name the dataset).
  const names = [...new Set([s.sharer.data, s.receiver.testData])];
  const before = issues.length;
  for (const name of names) {
    const ds = declaredDataset(s.datasets, name);
    if (ds) checkTaskAgainst(name, ds, s, issues);
  }
  // Two datasets of the same source fail the same way: keep one issue per path and message.
  const seen = new Set<string>();
  const tail = issues.splice(before).filter((issue) => {
    const key = `${issue.path.join('.')}\u0000${issue.message.replace(/dataset "[^"]*"/g, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  issues.push(...tail);
}

function checkSharer(s: Scenario, issues: PathIssue[]): void {
  const ds = declaredDataset(s.datasets, s.sharer.data);
  const columns = ds ? datasetColumns(ds).map((c) => c.name) : null;
  s.sharer.hideColumns.forEach((col, i) => {
    const path = ['sharer', 'hideColumns', i];
    if (col === s.task.label) {
      // The model is conditioned on the label. The sensitive column may be hidden: the receiver reads s from
      // its own test split (shared/evaluation/downstream.ts), and hiding it is the property inference threat model.
      issues.push({ path, message: `must not hide the task label (task.label = ${s.task.label})` });
    } else if (columns && !columns.includes(col)) {
      issues.push({ path, message: `expected a column of dataset "${s.sharer.data}" (${listForMessage(columns)})` });
    }
  });
  for (const i of duplicateIndices(s.sharer.hideColumns)) {
    issues.push({ path: ['sharer', 'hideColumns', i], message: 'expected each column at most once' });
  }
  if (columns && s.sharer.hideColumns.length > 0 && columns.every((c) => s.sharer.hideColumns.includes(c) || c === s.task.label || c === s.task.sensitive)) {
    issues.push({ path: ['sharer', 'hideColumns'], message: 'must leave at least one feature besides the task columns' });
  }

  const poisoning = s.sharer.poisoning;
  if (poisoning && poisoning.method === 'none' && poisoning.alpha > 0) {
    // A poisoning ratio without a method would run an honest sharer labelled as poisoned.
    issues.push({ path: ['sharer', 'poisoning', 'alpha'], message: `expected 0 with method none, or a poisoning method (got ${poisoning.alpha})` });
  }

  const model = s.sharer.model;
  if (model.kind === 'tabular-ddpm') {
    if (model.sampler.steps !== undefined && model.sampler.steps > model.timesteps) {
      issues.push({
        path: ['sharer', 'model', 'sampler', 'steps'],
        message: `expected at most sharer.model.timesteps (${model.timesteps})`,
      });
    }
    if (model.guidanceScale !== 1 && model.condDropProb === 0) {
      // Guidance mixes in the unconditional prediction, which only exists if training dropped the condition.
      issues.push({
        path: ['sharer', 'model', 'condDropProb'],
        message: `expected > 0 when guidanceScale is ${model.guidanceScale} (guidance needs an unconditional model)`,
      });
    }
  }
}

function checkBrokerAndReceiver(s: Scenario, issues: PathIssue[]): void {
  for (const i of duplicateIndices(s.broker.access)) {
    issues.push({ path: ['broker', 'access', i], message: 'expected each grant at most once' });
  }
  for (const i of duplicateIndices(s.receiver.classifiers)) {
    issues.push({ path: ['receiver', 'classifiers', i], message: 'expected each classifier at most once' });
  }
  // class-shares opens no service (shared/scenario/lists.ts): granted alone it leaves the receiver nothing to call.
  if (s.broker.access.every((grant) => grant === 'class-shares')) {
    issues.push({ path: ['broker', 'access'], message: 'class-shares alone opens no service: grant black-box, gray-box, white-box or fine-tune beside it' });
  }
  if (!s.receiver.external && !s.receiver.draw) {
    issues.push({ path: ['receiver', 'draw'], message: 'required: the built-in receiver draws its synthetic training set ({ samples: N })' });
  }
  if (s.receiver.external && s.receiver.draw) {
    issues.push({ path: ['receiver', 'draw'], message: 'not used with receiver.external: the outside program draws what it wants within the budget (remove it)' });
  }
  if (s.receiver.external && s.receiver.defences.length > 0) {
    issues.push({ path: ['receiver', 'defences'], message: 'not run with receiver.external: the outside program is the receiver (remove them)' });
  }
  if (s.receiver.draw && s.receiver.draw.samples > s.broker.budget.samples) {
    issues.push({
      path: ['receiver', 'draw', 'samples'],
      message: `expected at most broker.budget.samples (${s.broker.budget.samples})`,
    });
  }
}

/**
 * The moves (docs/moves.md): each needs its grants and, when it says so, the membership game; each checks itself
 * against the scenario (its `check`); and everything the receiver spends — its draw and every receiver move's cost —
 * must fit the budget. One unit = one sampled record or one denoiser evaluation of one record (docs/mia.md).
 */
/** Each move config of a party's list with its scenario path (`['sharer', 'defences', i]`). */
function atPaths<C extends { kind: string }>(configs: readonly C[], party: string, list: string): Array<[ScenarioIssuePath, C]> {
  return configs.map((config, i) => [[party, list, i], config]);
}

function checkReceiverMoves(s: Scenario, issues: PathIssue[]): void {
  const view = loadTimeCostView(s);
  let spent = s.receiver.draw?.samples ?? 0;
  const costs: string[] = [];
  // The sharer's and the broker's moves: their grants and their own checks (they spend nothing of the receiver's budget).
  const defences = [...atPaths(s.sharer.defences, 'sharer', 'defences'), ...atPaths(s.broker.defences, 'broker', 'defences')];
  defences.forEach(([at, config]) => {
    const move = moveById(config.kind);
    if (!move) return;
    const missing = move.requires.access.filter((grant) => !s.broker.access.includes(grant));
    if (missing.length > 0) {
      issues.push({ path: [...at, 'kind'], message: `defence acts on ${listForMessage(missing)} calls, which broker.access (${listForMessage(s.broker.access)}) does not grant` });
    }
    for (const issue of move.check?.(config, s) ?? []) issues.push({ path: [...at, ...issue.path], message: issue.message });
  });
  // The sharer's poisoning move's own checks (its fields are the shared poisoning fields; e.g. only greedy-mi is stealthy).
  const poisoning = s.sharer.poisoning;
  const poisoningMove = poisoning && poisoning.method !== 'none' ? moveById(poisoning.method) : undefined;
  if (poisoning && poisoningMove) {
    const { method: _method, ...fields } = poisoning;
    for (const issue of poisoningMove.check?.(fields, s) ?? []) issues.push({ path: ['sharer', 'poisoning', ...issue.path], message: issue.message });
  }
  // The receiver's attacks and then its defences: each one's grants, checks and cost (a defence may draw too).
  const receiverMoves = [...atPaths(s.receiver.attacks, 'receiver', 'attacks'), ...atPaths(s.receiver.defences, 'receiver', 'defences')];
  receiverMoves.forEach(([at, config]) => {
    // An unknown kind was reported by the schema; a scenario reaches this pass only with registered moves.
    const move = moveById(config.kind);
    if (!move) return;
    const missing = move.requires.access.filter((grant) => !s.broker.access.includes(grant));
    if (missing.length > 0) {
      issues.push({ path: [...at, 'kind'], message: `attack needs ${listForMessage(missing)} access, which broker.access (${listForMessage(s.broker.access)}) does not grant` });
    }
    if (move.requires.membershipGame && !s.membership) {
      issues.push({ path: [...at, 'kind'], message: 'needs the top-level `membership` section (the game whose challenge set it scores)' });
      return;
    }
    // An external receiver submits evidence; the built-in one runs moves: each list holds only its own kind.
    if (Boolean(move.requires.externalReceiver) !== Boolean(s.receiver.external)) {
      issues.push({
        path: [...at, 'kind'],
        message: s.receiver.external
          ? `an external receiver (receiver.external) submits evidence, it runs no built-in move: expected one of ${listForMessage(externalMoveIds())}`
          : 'is evidence an outside program submits: it needs receiver.external (docs/external-receiver.md)',
      });
      return;
    }
    for (const issue of move.check?.(config, s) ?? []) issues.push({ path: [...at, ...issue.path], message: issue.message });
    try {
      const cost = move.cost(config, view);
      spent += cost;
      costs.push(`${config.kind} ${cost}`);
    } catch (err) {
      // Messages start with the field at fault ("timesteps.max: …", "tSec + stride: …"); point at the first one.
      const message = (err as Error).message;
      const fields = /^([A-Za-z.]+)((?: \+ [A-Za-z.]+)*): /.exec(message);
      if (fields) {
        issues.push({ path: [...at, ...fields[1].split('.')], message: fields[2] ? message : message.slice(fields[0].length) });
      } else {
        issues.push({ path: [...at, 'kind'], message });
      }
    }
  });
  if (costs.length > 0 && spent > s.broker.budget.samples) {
    issues.push({
      path: ['broker', 'budget', 'samples'],
      message: `expected at least ${spent} units: receiver.draw.samples (${s.receiver.draw?.samples ?? 0}) + ${costs.join(' + ')} (one unit = one sampled record or one denoiser evaluation of one record; docs/mia.md)`,
    });
  }
}

/**
 * What the moves' costs depend on, as far as the scenario says: the game's challenge size, the model's T, and the
 * sampler's steps with the label's classes when the source declares them (census, adult, mnist); for a csv pool, 1
 * class (the receiver checks the exact cost against the budget before it queries anything).
 */
function loadTimeCostView(s: Scenario): CostView {
  const pool = declaredDataset(s.datasets, s.sharer.data);
  const model = s.sharer.model;
  const T = model.kind === 'tabular-ddpm' || model.kind === 'image-ddpm' ? model.timesteps : null;
  const labelClasses = pool ? datasetColumns(pool).find((c) => c.name === s.task.label)?.categories?.length : undefined;
  let generation: GenerationView | null = null;
  if (model.kind === 'tabular-ddpm' || model.kind === 'image-ddpm') {
    try {
      generation = { samplerTimesteps: samplerTimestepsOf(model), classes: labelClasses ?? 1 };
    } catch {
      // sampler.steps > timesteps: reported by checkSharer / checkImages.
    }
  }
  return { challenge: s.membership ? s.membership.members + s.membership.nonMembers : 0, T, generation };
}

function checkExpectations(s: Scenario, issues: PathIssue[]): void {
  s.expect.forEach((e, i) => {
    if (e.min === undefined && e.max === undefined) {
      issues.push({ path: ['expect', i], message: 'expected at least one of `min` or `max`' });
    } else if (e.min !== undefined && e.max !== undefined && e.min > e.max) {
      issues.push({ path: ['expect', i, 'max'], message: `expected max ≥ min (${e.min})` });
    }
  });
}

/** The membership game (docs/mia.md): it needs an honest sharer training on the members, and members and non-members that fit in the pool. */
function checkMembership(s: Scenario, issues: PathIssue[]): void {
  const game = s.membership;
  if (!game) return;
  if (s.sharer.poisoning && s.sharer.poisoning.method !== 'none') {
    issues.push({ path: ['sharer', 'poisoning', 'method'], message: 'must be none with `membership`: the sharer trains on exactly the members' });
  }
  if (game.nonMembersFrom !== undefined) {
    const from = declaredDataset(s.datasets, game.nonMembersFrom);
    if (!from) issues.push({ path: ['membership', 'nonMembersFrom'], message: datasetRefProblem(s.datasets, game.nonMembersFrom)! });
    else if (game.nonMembersFrom === s.sharer.data) issues.push({ path: ['membership', 'nonMembersFrom'], message: 'names the pool itself: leave it out for the i.i.d. split' });
  }
  if (game.duplicates && game.duplicates.members > game.members) {
    issues.push({ path: ['membership', 'duplicates', 'members'], message: `expected at most membership.members (${game.members}) duplicated members, got ${game.duplicates.members}` });
  }
  const pool = declaredDataset(s.datasets, s.sharer.data);
  const available = pool?.source === 'census' ? pool.propertyShare?.rows ?? pool.take?.rows ?? pool.rows : undefined;
  const fromPool = game.nonMembersFrom !== undefined ? game.members : game.members + game.nonMembers;
  if (available !== undefined && fromPool > available) {
    issues.push({
      path: ['membership', 'nonMembers'],
      message: `expected membership.members + membership.nonMembers ≤ the pool's rows (sharer.data "${s.sharer.data}": ${available}), got ${game.members + game.nonMembers}`,
    });
  }
}

const isImageData = (ds: DatasetConfig | undefined): boolean => ds?.source === 'mnist';

/**
 * Images (docs/images.md): an image model needs image data and tabular models table data; the receiver's data
 * is of the sharer's modality; the CNN reads images only; the parts of one MNIST split are cut by one shuffle;
 * the image model's sampler steps fit its T.
 */
function checkImages(s: Scenario, issues: PathIssue[]): void {
  const sharerData = declaredDataset(s.datasets, s.sharer.data);
  if (!sharerData) return;
  const imageModel = IMAGE_MODEL_KINDS.includes(s.sharer.model.kind);
  const images = isImageData(sharerData);
  if (imageModel !== images) {
    issues.push({
      path: ['sharer', 'model', 'kind'],
      message: images
        ? `expected an image model (${listForMessage(IMAGE_MODEL_KINDS)}): sharer.data "${s.sharer.data}" holds images`
        : `expected a tabular model: ${s.sharer.model.kind} needs image data (e.g. source: mnist), but sharer.data "${s.sharer.data}" is ${sharerData.source}`,
    });
    return;
  }
  const receiverData: Array<[ScenarioIssuePath, string]> = [[['receiver', 'testData'], s.receiver.testData]];
  s.receiver.attacks.forEach((attack, i) => {
    if (typeof attack.auxData === 'string') receiverData.push([['receiver', 'attacks', i, 'auxData'], attack.auxData]);
  });
  for (const [path, name] of receiverData) {
    const ds = declaredDataset(s.datasets, name);
    if (!ds) continue;
    if (isImageData(ds) !== images) {
      issues.push({ path, message: `expected ${images ? 'image' : 'table'} data like sharer.data "${s.sharer.data}", but "${name}" is ${ds.source}` });
    } else if (ds.source === 'mnist' && sharerData.source === 'mnist') {
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      if (ds.part === sharerData.part) {
        issues.push({ path, message: `expected another part of the MNIST split than the sharer's "${sharerData.part}" (dataset "${name}" has part: ${ds.part})` });
      } else if (!same(ds.digits, sharerData.digits) || ds.parity !== sharerData.parity || !same(ds.split, sharerData.split) || ds.splitSeed !== sharerData.splitSeed) {
        issues.push({
          path,
          message: `dataset "${name}" must be cut from the same MNIST split as the sharer's "${s.sharer.data}" (same digits/parity, split and splitSeed), or the parts may overlap`,
        });
      }
    }
  }
  if (!images) {
    s.receiver.classifiers.forEach((kind, i) => {
      if (kind === 'cnn') issues.push({ path: ['receiver', 'classifiers', i], message: 'cnn reads images: expected logistic or mlp for table data' });
    });
    s.receiver.attacks.forEach((attack, i) => {
      if (attack.classifier === 'cnn') issues.push({ path: ['receiver', 'attacks', i, 'classifier'], message: 'cnn reads images: expected logistic or mlp for table data' });
    });
  }
  // Gray- and white-box grants work for image-ddpm (docs/mia.md, "Images"), GrayBox.Trajectory included.
  if (imageModel) {
    if (s.sharer.model.kind === 'image-ddpm' && s.sharer.model.sampler.steps > s.sharer.model.timesteps) {
      issues.push({ path: ['sharer', 'model', 'sampler', 'steps'], message: `expected at most sharer.model.timesteps (${s.sharer.model.timesteps})` });
    }
  }
}

/**
 * `sharer.encoderData` (docs/privacy.md "What each grant reveals"): a declared dataset other than the private data and
 * the receiver's test split, with the private data's columns, for a tabular model (an image model's encoder is a fixed
 * pixel scaling fitted on nothing, so there is nothing to move onto public data). A csv file's categories are known
 * only once read: the sharer checks them when it loads the data (sharer/encoderData.ts).
 */
function checkEncoderData(s: Scenario, issues: PathIssue[]): void {
  const name = s.sharer.encoderData;
  if (name === undefined) return;
  const path = ['sharer', 'encoderData'];
  const publicData = declaredDataset(s.datasets, name);
  if (!publicData) {
    issues.push({ path, message: datasetRefProblem(s.datasets, name)! });
    return;
  }
  if (IMAGE_MODEL_KINDS.includes(s.sharer.model.kind)) {
    issues.push({ path, message: `applies to tabular models only: ${s.sharer.model.kind} scales pixels by a fixed rule fitted on no data, so its encoding reveals nothing to move onto public data; leave the field out` });
    return;
  }
  if (name === s.sharer.data) {
    issues.push({ path, message: `must not be the private data sharer.data "${name}": the encoder would be fitted on it as without the field; name a dataset the owner treats as public` });
    return;
  }
  if (name === s.receiver.testData) {
    issues.push({ path, message: `must not be the receiver's test data "${name}": no party reads another party's data` });
    return;
  }
  if (name === s.membership?.nonMembersFrom) {
    // The sharer must not know the non-members (docs/mia.md), and an encoder fitted on them would tilt the game.
    issues.push({ path, message: `must not be membership.nonMembersFrom "${name}": the non-members are the referee's, not the sharer's` });
    return;
  }
  const privateData = declaredDataset(s.datasets, s.sharer.data);
  if (!privateData) return;
  const describe = (ds: DatasetConfig) => datasetColumns(ds).map((c) => `${c.name} (${c.type})`);
  const expected = describe(privateData);
  const found = describe(publicData);
  if (expected.length !== found.length || expected.some((c) => !found.includes(c))) {
    issues.push({
      path,
      message: `expected a dataset with the columns of sharer.data "${s.sharer.data}" (${listForMessage(expected)}), but "${name}" has ${listForMessage(found)}`,
    });
  }
}

/** Every cross-field problem of a structurally valid scenario (the loader sorts them by position). */
export function checkScenarioConsistency(s: Scenario): PathIssue[] {
  const issues: PathIssue[] = [];
  checkDatasets(s, issues);
  checkTask(s, issues);
  checkSharer(s, issues);
  checkEncoderData(s, issues);
  checkBrokerAndReceiver(s, issues);
  checkDatasetRefs(s, issues);
  checkExpectations(s, issues);
  checkMembership(s, issues);
  checkReceiverMoves(s, issues);
  checkImages(s, issues);
  return issues;
}
