/**
 * Property-based fuzzing (fast-check) of every receiver-facing RPC of the broker, against a real sharer and broker
 * (compiled, as child processes; test/helpers/liveParties.ts) with every grant given: Gateway.Describe,
 * BlackBox.Sample, GrayBox.Encode / PredictX0 / Trajectory, WhiteBox.TimestepLoss and FineTune.Start (a client
 * stream). Each run makes a batch of calls, one after another or all at once, with arbitrary field values (negative,
 * huge, NaN and infinite numbers, empty, mismatched and oversized bytes, wrong shapes and encodings, unknown
 * model_version strings), undecodable request bytes, arbitrary metadata (missing, malformed and wrong tokens, extra
 * headers), and some calls cancelled by their caller half-way. Properties, after every batch:
 *   - never a crash: both processes are up, and a well-formed Describe is answered;
 *   - always a proper gRPC status: every call settles before its deadline (no hang), with a status that is not
 *     UNKNOWN (an exception escaping a handler), not INTERNAL (a malformed request is the caller's fault), and whose
 *     message holds no stack trace;
 *   - every call is audited: one close line per call, with the status its caller saw (a call its caller cancelled
 *     has at most one, CANCELLED or the status that had already gone out), and no call left open;
 *   - the budget is never overdrawn: units used ≤ budget, and used = the sum of what the close lines charge.
 * Deterministic: a fixed seed and number of runs; SHAREBOX_FUZZ_RUNS and SHAREBOX_FUZZ_SEED change them (fast-check
 * prints the seed and the path of a failing run, to replay it).
 */
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { loadProto, MAX_MESSAGE_BYTES } from '../shared/grpc/proto';
import { statusName } from '../shared/grpc/errors';
import { Rng } from '../shared/random';
import { callsLeftOpen, readAuditLog, readAuditTrail, type AuditRecord } from '../broker/audit';
import type { DescribeReply__Output } from '../shared/grpc/generated/sharebox/DescribeReply';
import type { FineTuneReply__Output } from '../shared/grpc/generated/sharebox/FineTuneReply';
import { startSharerAndBroker, type LivePair } from './helpers/liveParties';

const FUZZ_RUNS = Number(process.env.SHAREBOX_FUZZ_RUNS ?? 250);
const FUZZ_SEED = Number(process.env.SHAREBOX_FUZZ_SEED ?? 20_250_611);
const BUDGET = 40_000;
/** Far above anything the tiny model takes: a call still running at its deadline hangs. */
const CALL_DEADLINE_MS = 20_000;
/** How long the audit's close lines may trail the statuses the callers saw. */
const AUDIT_WAIT_MS = 5_000;

let live: LivePair;
let plainClient: grpc.Client;
/** The same broker through a channel that compresses every message (gzip). */
let gzipClient: grpc.Client;
let description: DescribeReply__Output;

beforeAll(async () => {
  live = await startSharerAndBroker({ budgetSamples: BUDGET, maxChunkRecords: 16, access: ['black-box', 'gray-box', 'white-box', 'fine-tune'] });
  // One channel for every call: HTTP/2 keeps a connection's frames in order, so a cancellation reaches the broker before
  // the calls made after it.
  plainClient = new grpc.Client(live.brokerAddress, grpc.credentials.createInsecure());
  gzipClient = new grpc.Client(live.brokerAddress, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  description = await describe(validMetadata());
}, 90_000);

afterAll(async () => {
  plainClient?.close();
  gzipClient?.close();
  await live?.stop();
});

// ------------------------------------------------------------------------------------------------------------------
// The calls

type CallShape = 'unary' | 'server-stream' | 'client-stream';

const METHODS: Record<string, CallShape> = {
  'Gateway.Describe': 'unary',
  'BlackBox.Sample': 'server-stream',
  'GrayBox.Encode': 'server-stream',
  'GrayBox.PredictX0': 'server-stream',
  'GrayBox.Trajectory': 'server-stream',
  'WhiteBox.TimestepLoss': 'server-stream',
  'FineTune.Start': 'client-stream',
};

/** How the call authenticates: the receiver's token, or one of the ways to get it wrong. */
type Auth = 'valid' | 'missing' | 'wrong-token' | 'lower-case-scheme' | 'no-scheme' | 'basic-scheme' | 'two-values' | 'empty-bearer' | 'token-and-more' | { raw: string };

/** A request message: an object for the protocol's serializer, or raw bytes sent as they are. */
type Message = { object: Record<string, unknown> } | { raw: Uint8Array };

/** When the caller cancels: after this many messages of the answer (server streams), after sending this many (client streams), or after a delay. */
type Cancel = { afterMessages: number } | { afterMs: number } | null;

interface FuzzCall {
  method: string;
  messages: Message[];
  auth: Auth;
  extraHeaders: Array<[string, string | Buffer | Deferred<string>]>;
  cancel: Cancel;
  /** Request messages sent, when not as the method declares: none, or two to a method that takes one. */
  requestCount: number | null;
  /** Messages compressed (gzip) by the client. */
  gzip: boolean;
  /** A deadline short enough to cut the call (DEADLINE_EXCEEDED is then its caller's doing, not a hang). */
  shortDeadlineMs: number | null;
}

interface Outcome {
  call: FuzzCall;
  code: grpc.status;
  details: string;
  /** The caller cancelled, or its short deadline passed, before the status came: the call was cut. */
  cancelled: boolean;
  /** Answer messages (or response headers) reached the caller: the broker surely saw the call. */
  answered: boolean;
  replies: Buffer[];
}

function validMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${live.receiverToken}`);
  return md;
}

function metadataOf(call: FuzzCall): grpc.Metadata {
  const md = new grpc.Metadata();
  const token = live.receiverToken;
  const auth = call.auth;
  if (typeof auth === 'object') md.set('authorization', auth.raw);
  else if (auth === 'valid') md.set('authorization', `Bearer ${token}`);
  else if (auth === 'wrong-token') md.set('authorization', `Bearer ${token.slice(1)}x`);
  else if (auth === 'lower-case-scheme') md.set('authorization', `bearer ${token}`);
  else if (auth === 'no-scheme') md.set('authorization', token);
  else if (auth === 'basic-scheme') md.set('authorization', `Basic ${Buffer.from(`receiver:${token}`).toString('base64')}`);
  // grpc-js refuses to send two values; over HTTP/2 two headers may arrive joined by a comma, as here.
  else if (auth === 'two-values') md.set('authorization', `Bearer ${token}, Bearer ${token}`);
  else if (auth === 'empty-bearer') md.set('authorization', 'Bearer ');
  else if (auth === 'token-and-more') md.set('authorization', `Bearer ${token} ${token}`);
  for (const [key, value] of call.extraHeaders) md.add(key, value instanceof Deferred ? value.make() : value);
  return md;
}

const proto = () => loadProto().sharebox as unknown as Record<string, { service: grpc.ServiceDefinition }>;

function definitionOf(method: string): grpc.MethodDefinition<object, object> {
  const [service, name] = method.split('.');
  return proto()[service].service[name] as grpc.MethodDefinition<object, object>;
}

function bytesOf(method: string, message: Message): Buffer {
  return 'raw' in message ? Buffer.from(message.raw) : definitionOf(method).requestSerialize(message.object);
}

const identity = (b: Buffer): Buffer => b;

/**
 * Makes one call and waits for its status. Every call goes out as a bidirectional stream, which on the wire is any
 * call: its request messages then the half-close, and every answer message read (a unary call is the same bytes as a
 * stream of one request and one answer). So a call can also send a method that takes one request none or two.
 */
function makeCall(call: FuzzCall): Promise<Outcome> {
  const path = `/sharebox.${call.method.replace('.', '/')}`;
  const options: grpc.CallOptions = { deadline: Date.now() + (call.shortDeadlineMs ?? CALL_DEADLINE_MS) };
  const client = call.gzip ? gzipClient : plainClient;
  const single = METHODS[call.method] !== 'client-stream';
  const requests = call.requestCount === null ? call.messages : Array.from({ length: call.requestCount }, () => call.messages[0] ?? { raw: new Uint8Array(0) });
  const messages = single && call.requestCount === null ? requests.slice(0, 1) : requests;
  return new Promise((resolve) => {
    const replies: Buffer[] = [];
    let answered = false;
    let cancelled = false;
    let settled = false;
    const stream = client.makeBidiStreamRequest(path, identity, identity, metadataOf(call), options);
    const cancel = () => {
      if (settled) return;
      cancelled = true;
      stream.cancel();
    };
    stream.on('metadata', () => {
      answered = true;
    });
    stream.on('data', (reply: Buffer) => {
      replies.push(reply);
      answered = true;
      if (single && call.cancel && 'afterMessages' in call.cancel && replies.length >= call.cancel.afterMessages) cancel();
    });
    stream.on('error', () => undefined);
    stream.on('status', (status: grpc.StatusObject) => {
      settled = true;
      const cut = cancelled || (call.shortDeadlineMs !== null && status.code === grpc.status.DEADLINE_EXCEEDED);
      resolve({ call, code: status.code, details: status.details, cancelled: cut, answered, replies });
    });
    // An upload cancelled after `afterMessages` of its messages, before it ends.
    const sendCount = !single && call.cancel && 'afterMessages' in call.cancel ? call.cancel.afterMessages : Infinity;
    messages.slice(0, sendCount).forEach((m) => stream.write(bytesOf(call.method, m)));
    if (sendCount >= messages.length) stream.end();
    else setImmediate(cancel);
    if (call.cancel && 'afterMs' in call.cancel) setTimeout(cancel, call.cancel.afterMs);
  });
}

async function describe(md: grpc.Metadata): Promise<DescribeReply__Output> {
  const Gateway = loadProto().sharebox.Gateway;
  const gateway = new Gateway(live.brokerAddress, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) =>
      gateway.describe({}, md, { deadline: Date.now() + CALL_DEADLINE_MS }, (err, reply) => (err ? reject(err) : resolve(reply!))),
    );
  } finally {
    gateway.close();
  }
}

// ------------------------------------------------------------------------------------------------------------------
// The arbitraries

/** A placeholder for the last model version FineTune.Start returned in this run ('' before one was made). */
const LAST_VERSION = '<last fine-tuned version>';
let lastVersion = '';

/**
 * A value made only when the call is sent (records, an oversized payload, a long header), so that a failing run's
 * counterexample prints as its recipe rather than as megabytes.
 */
class Deferred<T> {
  constructor(
    readonly label: string,
    readonly make: () => T,
  ) {}
  [fc.toStringMethod](): string {
    return this.label;
  }
}

/** int64 fields (counts): mostly small and positive, then every edge a parser can trip on. */
const int64Arb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom<number | string>(0, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 53 - 1, -(2 ** 53), 1e15, '9223372036854775807', '-9223372036854775808', '18446744073709551615') },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);
/** uint64 fields (seeds). */
const uint64Arb = fc.oneof(fc.nat(), fc.constantFrom<number | string>(0, -1, 2 ** 53 + 2, '18446744073709551615', '9223372036854775808'), fc.double());
/** int32 fields (class indices, noise draws, steps, batch sizes). */
const int32Arb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -2, max: 8 }) }, fc.constantFrom(2 ** 31 - 1, -(2 ** 31), 100_000), fc.integer(), fc.double());
/** double fields. */
const doubleArb = fc.oneof(fc.constantFrom(0, 1e-3, 1e308, -1, Number.NaN, Infinity, -Infinity, -0), fc.double());
/** model_version: mostly the sharer's model, then unknown names, then a version this run made (resolved when sent). */
const versionArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('v1', 'ft-0', '../../etc/passwd', 'x'.repeat(4000), '\u0000', ' ')) },
  { weight: 1, arbitrary: fc.constant(LAST_VERSION) },
);
const encodingArb = fc.oneof(fc.constantFrom('f32le-rows', 'f32le-model', 'f32le-u8-image-rows', 'f32le-losses', 'f32le-model-steps', '', 'F32LE-ROWS'), fc.string({ maxLength: 20 }));

/**
 * A RecordChunk: table rows of the model's schema (values in range or wild: NaN, ±∞, huge, codes off their
 * categories), states in model coordinates, a well-formed chunk made inconsistent (count, shape, bytes), or anything.
 */
function recordsArb(clean?: 'table' | 'model'): fc.Arbitrary<unknown> {
  const schema = description.schema!;
  const width = schema.columns.length;
  const modelWidth = description.schedule!.modelWidth;
  const classCount = schema.classValues.length;
  const wellFormed = fc.record({
    n: fc.integer({ min: 1, max: 24 }),
    valueSeed: fc.nat(),
    wild: clean ? fc.constant(false) : fc.boolean(),
    space: clean ? fc.constant(clean) : fc.constantFrom('table', 'model'),
    breakage: clean ? fc.constant('none') : fc.constantFrom('none', 'count+1', 'count-1', 'shape', 'bytes-1', 'bytes+4', 'classes-out-of-range', 'no-classes'),
  });
  const chunkOf = ({ n, valueSeed, wild, space, breakage }: { n: number; valueSeed: number; wild: boolean; space: string; breakage: string }) => {
    const rng = new Rng(valueSeed);
    const cols = space === 'table' ? width : modelWidth;
    const values = new Float32Array(n * cols);
    const classes: number[] = [];
    for (let i = 0; i < n; i++) {
      const label = Math.floor(rng.next() * classCount);
      classes.push(label);
      for (let j = 0; j < cols; j++) {
        const column = space === 'table' ? schema.columns[j] : null;
        let v = column && column.type === 'categorical' ? (column.name === schema.classColumn ? label : Math.floor(rng.next() * column.categories.length)) : rng.next() * 4 - 2;
        if (wild && rng.next() < 0.2) v = [Number.NaN, Infinity, -Infinity, 3e38, -1, 1e9][Math.floor(rng.next() * 6)];
        values[i * cols + j] = v;
      }
    }
    let data = Buffer.from(values.buffer);
    let count = n;
    let shape = [n, cols];
    let classList = classes;
    if (breakage === 'count+1') count = n + 1;
    if (breakage === 'count-1') count = n - 1;
    if (breakage === 'shape') shape = [cols, n, 1];
    if (breakage === 'bytes-1') data = data.subarray(0, data.length - 1);
    if (breakage === 'bytes+4') data = Buffer.concat([data, Buffer.alloc(4)]);
    if (breakage === 'classes-out-of-range') classList = classes.map((c, i) => (i === 0 ? classCount + 7 : c));
    if (breakage === 'no-classes') classList = [];
    return { count, encoding: space === 'table' ? 'f32le-rows' : 'f32le-model', shape, data, classes: classList };
  };
  const anything = fc.record({
    count: int32Arb,
    encoding: encodingArb,
    shape: fc.array(int32Arb, { maxLength: 4 }),
    data: fc.oneof(
      { weight: 8, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
      { weight: 1, arbitrary: fc.constant(new Deferred('<16 MiB + 1 KiB of zeros>', () => new Uint8Array(MAX_MESSAGE_BYTES + 1024))) },
    ),
    classes: fc.array(int32Arb, { maxLength: 30 }),
  });
  const made = wellFormed.map((spec) => new Deferred(`chunk${JSON.stringify(spec)}`, () => chunkOf(spec)));
  return clean ? made : fc.oneof({ weight: 3, arbitrary: made }, { weight: 1, arbitrary: anything });
}

/** Timesteps: on the sampler's schedule, anywhere in 0 … T−1, or off it (negative, ≥ T, huge), possibly repeated. */
function timestepsArb(): fc.Arbitrary<number[]> {
  const schedule = description.schedule!;
  const onSchedule = fc.constantFrom(...schedule.samplerTimesteps);
  const inRange = fc.integer({ min: 0, max: schedule.timesteps - 1 });
  const off = fc.oneof(fc.constantFrom(-1, schedule.timesteps, 2 ** 31 - 1, -(2 ** 31)), fc.integer());
  return fc.oneof(
    { weight: 4, arbitrary: fc.uniqueArray(onSchedule, { minLength: 1, maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: inRange }, off), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(inRange, { minLength: 100, maxLength: 300 }) },
  );
}

function sampleRequestArb(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ count: int64Arb, seed: uint64Arb, conditional: fc.boolean(), classIndex: int32Arb, modelVersion: versionArb });
}

/** A request the broker should serve (budget permitting): so that the paths past the chain are fuzzed too. */
function cleanSampleArb(maxCount: number): fc.Arbitrary<Record<string, unknown>> {
  const classes = description.schema!.classValues.length;
  return fc.record({
    count: fc.integer({ min: 1, max: maxCount }),
    seed: fc.nat(),
    conditional: fc.boolean(),
    classIndex: fc.integer({ min: 0, max: classes - 1 }),
    modelVersion: fc.constantFrom('', LAST_VERSION),
  });
}

function timestepQueryArb(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    { records: recordsArb(), timesteps: timestepsArb(), noiseSeed: uint64Arb, noiseDraws: int32Arb, modelVersion: versionArb },
    { requiredKeys: ['timesteps'] },
  );
}

/** Records x0 at a few timesteps, or model-space states at one. */
function cleanTimestepQueryArb(): fc.Arbitrary<Record<string, unknown>> {
  const T = description.schedule!.timesteps;
  const common = { noiseSeed: fc.nat(), noiseDraws: fc.integer({ min: 0, max: 2 }), modelVersion: fc.constantFrom('', LAST_VERSION) };
  return fc.oneof(
    fc.record({ records: recordsArb('table'), timesteps: fc.uniqueArray(fc.integer({ min: 0, max: T - 1 }), { minLength: 1, maxLength: 3 }), ...common }),
    fc.record({ records: recordsArb('model'), timesteps: fc.integer({ min: 0, max: T - 1 }).map((t) => [t]), ...common }),
  );
}

const cleanSpecArb = fc.record({
  method: fc.constantFrom('full', 'lora'),
  steps: fc.integer({ min: 1, max: 2 }),
  batchSize: fc.integer({ min: 1, max: 8 }),
  learningRate: fc.constantFrom(0, 1e-3),
  rank: fc.constantFrom(0, 2),
  loraAlpha: fc.constantFrom(0, 4),
  modules: fc.constant([]),
  seed: fc.nat(),
});

function fineTuneMessagesArb(): fc.Arbitrary<Message[]> {
  const spec = fc.record(
    {
      method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('full', 'lora') }, fc.constantFrom('class-embedding', '', 'LoRA'), fc.string({ maxLength: 12 })),
      steps: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, int32Arb),
      batchSize: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }) }, int32Arb),
      learningRate: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1e-3) }, doubleArb),
      rank: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 2) }, int32Arb),
      loraAlpha: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, doubleArb),
      modules: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })),
      seed: uint64Arb,
    },
    { requiredKeys: [] },
  );
  const records = recordsArb();
  const message: fc.Arbitrary<Message> = fc.oneof(
    { weight: 4, arbitrary: records.map((r) => ({ object: { records: r } })) },
    { weight: 1, arbitrary: spec.map((s) => ({ object: { spec: s } })) },
    { weight: 1, arbitrary: fc.record({ spec, records }).map((o) => ({ object: o })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((raw) => ({ raw })) },
  );
  const cleanUpload = fc
    .tuple(cleanSpecArb, fc.array(recordsArb('table'), { minLength: 1, maxLength: 2 }))
    .map(([s, chunks]): Message[] => [{ object: { spec: s } }, ...chunks.map((r) => ({ object: { records: r } }))]);
  return fc.oneof(
    { weight: 3, arbitrary: cleanUpload },
    { weight: 3, arbitrary: fc.tuple(spec, fc.array(message, { minLength: 1, maxLength: 3 })).map(([s, rest]): Message[] => [{ object: { spec: s } }, ...rest]) },
    { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }) },
  );
}

/** The request(s) of each method: well-formed or not; now and then undecodable bytes instead. */
function messagesArb(method: string): fc.Arbitrary<Message[]> {
  const raw = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes): Message[] => [{ raw: bytes }]);
  const message = (arb: fc.Arbitrary<unknown>) => arb.map((object): Message[] => [{ object: object as Record<string, unknown> }]);
  const one = (arb: fc.Arbitrary<unknown>, clean?: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 8, arbitrary: message(arb) }, { weight: clean ? 6 : 0, arbitrary: message(clean ?? arb) }, { weight: 1, arbitrary: raw });
  switch (method) {
    case 'Gateway.Describe':
      return one(fc.constant({}));
    case 'BlackBox.Sample':
      return one(sampleRequestArb(), cleanSampleArb(60));
    case 'GrayBox.Encode':
      return one(recordsArb(), recordsArb('table'));
    case 'GrayBox.PredictX0':
    case 'WhiteBox.TimestepLoss':
      return one(timestepQueryArb(), cleanTimestepQueryArb());
    case 'GrayBox.Trajectory':
      return one(
        fc.record({ sample: sampleRequestArb(), timesteps: timestepsArb(), includePredictedX0: fc.boolean() }, { requiredKeys: ['timesteps'] }),
        fc.record({ sample: cleanSampleArb(6), timesteps: fc.uniqueArray(fc.constantFrom(...description.schedule!.samplerTimesteps), { minLength: 1, maxLength: 3 }), includePredictedX0: fc.boolean() }),
      );
    case 'FineTune.Start':
      return fineTuneMessagesArb();
    default:
      throw new Error(`no arbitrary for ${method}`);
  }
}

const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Auth>('valid') },
  { weight: 4, arbitrary: fc.constantFrom<Auth>('missing', 'wrong-token', 'lower-case-scheme', 'no-scheme', 'basic-scheme', 'two-values', 'empty-bearer', 'token-and-more') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'Bearer xyz0123-_.,;: '.split('')), maxLength: 60 }).map((raw): Auth => ({ raw })) },
);

/** Extra headers: ASCII and binary (-bin) ones, some of them large; never a name grpc-js reserves. */
const headersArb: fc.Arbitrary<Array<[string, string | Buffer | Deferred<string>]>> = fc.array(
  fc.oneof(
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), fc.string({ unit: fc.constantFrom(...'abc XYZ 019 =/+.'.split('')), maxLength: 200 })),
    fc.tuple(fc.stringMatching(/^x-[a-z0-9]{1,8}-bin$/), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b))),
    fc.tuple(
      fc.constantFrom('x-huge', 'sharebox-call-id', 'sharebox-reserved-units', 'sharebox-reservation-mac'),
      fc.constantFrom<string | Deferred<string>>(new Deferred('<4000 × y>', () => 'y'.repeat(4000)), '1000000000', 'forged'),
    ),
  ),
  { maxLength: 3 },
);

const cancelArb: fc.Arbitrary<Cancel> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Cancel>(null) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((n): Cancel => ({ afterMessages: n })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((ms): Cancel => ({ afterMs: ms })) },
);

function callArb(): fc.Arbitrary<FuzzCall> {
  return fc.constantFrom(...Object.keys(METHODS)).chain((method) =>
    fc.record({
      method: fc.constant(method),
      messages: messagesArb(method),
      auth: authArb,
      extraHeaders: headersArb,
      cancel: cancelArb,
      requestCount: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, fc.constantFrom(0, 2)),
      gzip: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)),
      shortDeadlineMs: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, fc.integer({ min: 1, max: 60 })),
    }),
  );
}

// ------------------------------------------------------------------------------------------------------------------
// The properties

/** Makes the deferred values and resolves the last-version placeholder, as the call is made. */
function materialized(call: FuzzCall): FuzzCall {
  const resolve = (value: unknown): unknown => {
    if (value === LAST_VERSION) return lastVersion;
    if (value instanceof Deferred) return resolve(value.make());
    if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  return { ...call, messages: call.messages.map((m) => ('object' in m ? { object: resolve(m.object) as Record<string, unknown> } : m)) };
}

async function eventually<T>(read: () => T, holds: (value: T) => boolean, timeoutMs = AUDIT_WAIT_MS): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (holds(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A stack trace, or a source location, in a status message. */
const STACK = /\n\s+at |\bat [\w.<>]+ \(|node:internal|\.[jt]s:\d+/;

function checkStatus(outcome: Outcome): void {
  const where = `${outcome.call.method}: ${statusName(outcome.code)} "${outcome.details}"`;
  expect({ where, hung: outcome.code === grpc.status.DEADLINE_EXCEEDED && outcome.call.shortDeadlineMs === null }).toEqual({ where, hung: false });
  expect({ where, known: statusName(outcome.code) !== String(outcome.code) }).toEqual({ where, known: true });
  expect({ where, unknown: outcome.code === grpc.status.UNKNOWN }).toEqual({ where, unknown: false });
  expect({ where, stack: STACK.test(outcome.details) }).toEqual({ where, stack: false });
  // INTERNAL is a fault of the broker or the sharer, never the caller's: a malformed request (undecodable bytes
  // included, which grpc-js alone would answer INTERNAL) is the caller's fault.
  expect({ where, internal: outcome.code === grpc.status.INTERNAL }).toEqual({ where, internal: false });
}

/** Matches each close line to a call: same method, same status (or any status for a call its caller cancelled). */
function matchLines(outcomes: Outcome[], lines: AuditRecord[]): { unmatched: Outcome[]; extra: AuditRecord[] } {
  const left = [...lines];
  const unmatched: Outcome[] = [];
  // Calls that were not cancelled first: their status is certain.
  for (const outcome of [...outcomes].sort((a, b) => Number(a.cancelled) - Number(b.cancelled))) {
    const i = left.findIndex((l) => l.method === outcome.call.method && (outcome.cancelled || l.status === statusName(outcome.code)));
    if (i >= 0) left.splice(i, 1);
    else if (!outcome.cancelled || outcome.answered) unmatched.push(outcome);
  }
  return { unmatched, extra: left };
}

test(
  'fuzzed calls to every broker RPC: no crash, a proper status, every call audited, the budget never overdrawn',
  async () => {
    const callsPerRun = fc.array(callArb(), { minLength: 1, maxLength: 4 });
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(callsPerRun, fc.boolean(), async (calls, concurrently) => {
        const before = readAuditLog(live.auditLog).length;
        const resolved = calls.map(materialized);
        const outcomes: Outcome[] = [];
        if (concurrently) outcomes.push(...(await Promise.all(resolved.map(makeCall))));
        else for (const call of resolved) outcomes.push(await makeCall(call));

        for (const o of outcomes) {
          // SHAREBOX_FUZZ_VERBOSE=2 tells the statuses apart by their messages too.
          const key = `${o.call.method} ${statusName(o.code)}${process.env.SHAREBOX_FUZZ_VERBOSE === '2' ? ` ${o.details.slice(0, 140)}` : ''}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
        }
        // A proper status for every call, within its deadline.
        for (const outcome of outcomes) checkStatus(outcome);
        for (const outcome of outcomes) {
          if (outcome.call.method === 'FineTune.Start' && outcome.code === grpc.status.OK && outcome.replies.length === 1) {
            lastVersion = (definitionOf('FineTune.Start').responseDeserialize(outcome.replies[0]) as FineTuneReply__Output).modelVersion;
          }
        }

        // Every call audited: its close line, and no call left open.
        const settled = (trail: ReturnType<typeof readAuditTrail>) => {
          const lines = trail.filter((l): l is AuditRecord => l.phase !== 'open').slice(before);
          return matchLines(outcomes, lines).unmatched.length === 0 && callsLeftOpen(trail).length === 0;
        };
        const trail = await eventually(() => readAuditTrail(live.auditLog), settled);
        const { unmatched, extra } = matchLines(outcomes, readAuditLog(live.auditLog).slice(before));
        const describeCall = (o: Outcome) => `${o.call.method} ${statusName(o.code)}${o.cancelled ? ' (cancelled)' : ''}`;
        expect({ unaudited: unmatched.map(describeCall), open: callsLeftOpen(trail).map((l) => l.method) }).toEqual({ unaudited: [], open: [] });
        // A line no call accounts for may only be a cancelled call's (one that reached the broker before its cancel).
        const cancelledMethods = outcomes.filter((o) => o.cancelled).map((o) => o.call.method);
        for (const line of extra) {
          const i = cancelledMethods.indexOf(line.method);
          expect({ line: `${line.method} ${line.status}`, fromACancelledCall: i >= 0 }).toEqual({ line: `${line.method} ${line.status}`, fromACancelledCall: true });
          cancelledMethods.splice(i, 1);
        }

        // Never a crash: both processes are up and a well-formed call is answered.
        expect({ broker: live.broker.exited, sharer: live.sharer.exited }).toEqual({ broker: false, sharer: false });
        const linesBeforeProbe = readAuditLog(live.auditLog).length;
        const now = await describe(validMetadata());
        // The budget never overdrawn, and what is used is what the close lines charge.
        const lines = await eventually(() => readAuditLog(live.auditLog), (l) => l.length > linesBeforeProbe);
        const charged = lines.reduce((sum, line) => sum + line.samplesReturned, 0);
        const used = now.budgetSamplesTotal - now.budgetSamplesLeft;
        expect({ total: now.budgetSamplesTotal, used, charged }).toEqual({ total: BUDGET, used: charged, charged });
        expect(used).toBeLessThanOrEqual(BUDGET);
        expect(now.budgetSamplesLeft).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    // SHAREBOX_FUZZ_VERBOSE=1: what the calls got, per method and status (to see that each path is reached).
    if (process.env.SHAREBOX_FUZZ_VERBOSE) console.log([...tally].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
  },
  300_000,
);
