#!/usr/bin/env python3
"""
A sharebox receiver written outside sharebox ("bring your own attacker", docs/external-receiver.md).

The runner starts the sharer and the broker and writes a connection file (JSON): the broker's address, this
receiver's token and TLS identity, the grants, the budget and the attacks to answer. This program

  1. reads the connection file (argv[1] or env SHAREBOX_CONNECTION),
  2. dials the broker (mutual TLS, or plaintext for an --insecure run) and calls Gateway.Describe,
  3. answers every listed attack through BlackBox.Sample:
       membership: minus the distance of each challenge record to its nearest synthetic record, in the same
                   encoding as the built-in move mia-nearest-synthetic (so both score the same records alike);
       property:   the share of sampled records that carry the property (the column is visible in the samples),
  4. submits all evidence in ONE Evidence.Submit call and prints the receipt.

Requirements: python3 with grpcio, grpcio-tools and numpy (Debian: python3-grpcio python3-grpc-tools python3-numpy).
The gRPC stubs are generated from protos/sharebox.proto at start-up, into a temporary directory.

    python3 receiver.py CONNECTION.json        # what the runner does (it also sets SHAREBOX_CONNECTION)
    python3 receiver.py --score-only IN.json   # the distance scores of {schema, challenge, synthetic}, as JSON
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

try:
    import grpc
except ImportError:  # --score-only needs numpy alone
    grpc = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO = os.path.join(HERE, '..', '..', 'protos', 'sharebox.proto')

# The encoder of the built-in attack (shared/data/encoder.ts with numeric 'standard', categorical 'onehot').
HEAVY_TAIL_SKEWNESS = 2.0  # a non-negative column more skewed than this is encoded as ln(1 + x)
STD_FLOOR = 1e-6  # a constant column gets std 1e-6 instead of 0


class ReceiverError(Exception):
    """A problem with the inputs (connection file, schema, samples): printed as one line, exit code 1."""


# ---------------------------------------------------------------------------------------------------------------
# Tables: {"schema": {"columns": [{"name", "kind" | "type", "categories"?}]}, "rows": [[...], ...]}


def is_categorical(column):
    # The connection file says "kind", the wire schema (and sharebox's TypeScript Table) says "type".
    return (column.get('kind') or column.get('type')) == 'categorical'


def columns_of_wire_schema(schema):
    """Gateway.Describe's RecordSchema as a list of column dicts, like the connection file's tables."""
    return [{'name': c.name, 'type': c.type, 'categories': list(c.categories)} for c in schema.columns]


# ---------------------------------------------------------------------------------------------------------------
# Membership: distance to the nearest synthetic record


def fit_encoder(synthetic_rows, columns):
    """
    Fits the encoding on the synthetic records (the receiver has no other data to fit it on), column by column:
    numeric: standardised with the population mean and std (std floored at STD_FLOOR), after ln(1 + x) when the
    column is non-negative and its skewness E[((x - mean)/std)^3] exceeds HEAVY_TAIL_SKEWNESS; categorical: one-hot
    over the declared categories. Every column is encoded, the label column too, as the built-in attack does.
    """
    encoder = []
    for j, column in enumerate(columns):
        if is_categorical(column):
            encoder.append({'name': column['name'], 'categories': list(column['categories'])})
            continue
        values = synthetic_rows[:, j]
        if not np.all(np.isfinite(values)):
            raise ReceiverError(f'synthetic column "{column["name"]}" holds a value that is not a finite number')
        mean, std = values.mean(), values.std()  # np.std is the population std (ddof=0), as in encoder.ts
        skewness = np.mean(((values - mean) / std) ** 3) if std > 0 else 0.0
        log1p = values.min() >= 0 and skewness > HEAVY_TAIL_SKEWNESS
        transformed = np.log1p(values) if log1p else values
        encoder.append({'name': column['name'], 'log1p': log1p, 'mean': transformed.mean(), 'std': max(transformed.std(), STD_FLOOR)})
    return encoder


def encode(encoder, rows, columns):
    """
    The rows in the fitted encoding, as float32 like encoder.ts (its Float32Array) so that distances agree.
    Columns are found by name and categories by value, so `rows` may follow another schema (the challenge's).
    """
    names = [c['name'] for c in columns]
    blocks = []
    for fitted in encoder:
        if fitted['name'] not in names:
            raise ReceiverError(f'the challenge records lack column "{fitted["name"]}" of the samples')
        j = names.index(fitted['name'])
        values = rows[:, j]
        if 'categories' not in fitted:
            x = np.log1p(np.maximum(values, 0)) if fitted['log1p'] else values
            blocks.append(((x - fitted['mean']) / fitted['std'])[:, None])
            continue
        # This table's code -> the fitted code (the same category may sit at another index in another schema).
        own = columns[j]['categories']
        if np.any((values < 0) | (values >= len(own)) | (values != np.floor(values))):
            raise ReceiverError(f'column "{fitted["name"]}" holds a code that is not one of its {len(own)} categories')
        code_map = np.array([fitted['categories'].index(v) if v in fitted['categories'] else -1 for v in own])
        codes = code_map[values.astype(int)]
        if np.any(codes < 0):
            raise ReceiverError(f'column "{fitted["name"]}" holds a category the samples do not know')
        one_hot = np.zeros((len(rows), len(fitted['categories'])))
        one_hot[np.arange(len(rows)), codes] = 1.0
        blocks.append(one_hot)
    return np.hstack(blocks).astype(np.float32)


def nearest_synthetic_scores(challenge_rows, synthetic_rows, synthetic_columns, challenge_columns=None):
    """
    GAN-Leaks-style black-box membership score (docs/mia.md; receiver/moves/membership/scores.ts
    nearestSyntheticScores): score_i = -min_r ||enc(challenge_i) - enc(synthetic_r)||_2. A training record the model
    memorised comes back nearly as it is, so a member tends to have a closer synthetic neighbour (higher score).
    """
    challenge_rows = np.asarray(challenge_rows, dtype=np.float64).reshape(len(challenge_rows), -1)
    synthetic_rows = np.asarray(synthetic_rows, dtype=np.float64)
    if len(synthetic_rows) == 0:
        raise ReceiverError('no synthetic records to compare with')
    encoder = fit_encoder(synthetic_rows, synthetic_columns)
    # float32 coordinates, differences and sums in float64: the same arithmetic as the TypeScript loop.
    synthetic = encode(encoder, synthetic_rows, synthetic_columns).astype(np.float64)
    if len(challenge_rows) == 0:
        return []
    challenge = encode(encoder, challenge_rows, challenge_columns or synthetic_columns).astype(np.float64)
    # One challenge record at a time: the full challenge × synthetic × width array would not fit in memory.
    return [0.0 - float(np.sqrt(np.min(np.sum((synthetic - a) ** 2, axis=1)))) for a in challenge]


# ---------------------------------------------------------------------------------------------------------------
# gRPC


def load_stubs(proto_path):
    """Generates sharebox_pb2 and sharebox_pb2_grpc from the proto into a temporary directory and imports them."""
    from grpc_tools import protoc

    proto_path = os.path.abspath(proto_path)
    if not os.path.isfile(proto_path):
        raise ReceiverError(f'no proto at {proto_path} (set --proto or SHAREBOX_PROTO)')
    with tempfile.TemporaryDirectory(prefix='sharebox-stubs-') as out:
        status = protoc.main(['protoc', f'-I{os.path.dirname(proto_path)}', f'--python_out={out}', f'--grpc_python_out={out}', proto_path])
        if status != 0:
            raise ReceiverError(f'grpc_tools.protoc could not compile {proto_path} (exit {status})')
        sys.path.insert(0, out)
        sys.dont_write_bytecode = True
        import sharebox_pb2
        import sharebox_pb2_grpc
        sys.path.remove(out)
    if not hasattr(sharebox_pb2, 'EvidenceSubmission'):
        raise ReceiverError(f'{proto_path} has no Evidence service: a sharebox older than external receivers')
    return sharebox_pb2, sharebox_pb2_grpc


def open_channel(broker):
    """Mutual TLS with the run's certificates, or plaintext when the run is --insecure ("tls": null)."""
    options = [('grpc.max_receive_message_length', 64 * 1024 * 1024)]
    tls = broker.get('tls')
    if tls is None:
        return grpc.insecure_channel(broker['address'], options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=tls['caPem'].encode(), private_key=tls['keyPem'].encode(), certificate_chain=tls['certPem'].encode()
    )
    # The broker's certificate names it "broker" (subjectAltName DNS:broker), not 127.0.0.1: verify that name.
    options += [('grpc.ssl_target_name_override', tls['serverName']), ('grpc.default_authority', tls['serverName'])]
    return grpc.secure_channel(broker['address'], credentials, options=options)


class RpcFailed(Exception):
    def __init__(self, rpc, error):
        super().__init__(f'{rpc} failed: {error.code().name}: {error.details()}')


def sample_rows(pb, black_box, metadata, schema, count, seed):
    """One BlackBox.Sample call; its "f32le-rows" chunks (count × width float32 LE, schema order) as a float array."""
    parts = []
    try:
        for chunk in black_box.Sample(pb.SampleRequest(count=count, seed=seed, conditional=False), metadata=metadata):
            records = chunk.records
            if records.encoding != 'f32le-rows':
                raise ReceiverError(f'BlackBox.Sample: encoding "{records.encoding}"; this example reads table records ("f32le-rows") only')
            width = len(schema)
            if len(records.data) != records.count * width * 4:
                raise ReceiverError(f'BlackBox.Sample: {len(records.data)} bytes for {records.count} records of {width} columns')
            parts.append(np.frombuffer(records.data, dtype='<f4').reshape(records.count, width).astype(np.float64))
    except grpc.RpcError as error:
        raise RpcFailed('BlackBox.Sample', error) from error
    rows = np.vstack(parts) if parts else np.zeros((0, len(schema)))
    if len(rows) != count:
        raise ReceiverError(f'BlackBox.Sample: asked for {count} records, received {len(rows)}')
    return rows


def property_share(rows, schema, prop):
    """Share of the sampled records whose column `prop['column']` equals `prop['value']`."""
    names = [c['name'] for c in schema]
    if prop['column'] not in names:
        raise ReceiverError(f'property column "{prop["column"]}" is not in the samples (the sharer hides it); '
                            'this example only counts a visible column')
    column = schema[names.index(prop['column'])]
    if is_categorical(column):
        if prop['value'] not in column['categories']:
            raise ReceiverError(f'property value "{prop["value"]}" is not a category of "{prop["column"]}": {column["categories"]}')
        target = column['categories'].index(prop['value'])
    else:
        target = float(prop['value'])
    hits = int(np.sum(rows[:, names.index(prop['column'])] == target))
    return hits / len(rows)


def run(connection, args):
    if grpc is None:
        raise ReceiverError('this python3 has no grpcio (Debian: apt-get install python3-grpcio python3-grpc-tools)')
    pb, pb_grpc = load_stubs(args.proto)
    channel = open_channel(connection['broker'])
    metadata = [('authorization', f'Bearer {connection["broker"]["token"]}')]

    def unary(rpc, call, request):
        try:
            return call(request, metadata=metadata)
        except grpc.RpcError as error:
            raise RpcFailed(rpc, error) from error

    description = unary('Gateway.Describe', pb_grpc.GatewayStub(channel).Describe, pb.DescribeRequest())
    schema = columns_of_wire_schema(description.schema)
    print(f'Describe: {description.model_kind}, {len(schema)} columns, grants {list(description.access)}, '
          f'budget {description.budget_samples_left} of {description.budget_samples_total} units left')
    black_box = pb_grpc.BlackBoxStub(channel)

    evidence = []
    for attack in connection['attacks']:
        index, kind, units = attack['index'], attack['evidence'], int(attack['units'])
        if 'black-box' not in description.access:
            raise ReceiverError(f'attack {index}: this example draws samples, but the broker grants {list(description.access)}')
        # Each attack its own seed, derived from the run's: the same run draws the same records.
        seed = (int(connection['seed']) + index) % 2**64
        rows = sample_rows(pb, black_box, metadata, schema, units, seed)
        if kind == 'membership':
            challenge = connection.get('challenge')
            if not challenge:
                raise ReceiverError(f'attack {index}: a membership attack, but the connection file has no challenge records')
            scores = nearest_synthetic_scores(challenge['rows'], rows, schema, challenge['schema']['columns'])
            if args.malformed:  # test switch: one score too few
                scores = scores[:-1]
            print(f'attack {index} ({attack["kind"]}): {len(rows)} synthetic records, {len(scores)} challenge records scored')
            evidence.append(pb.AttackEvidence(attack=index, membership=pb.MembershipScores(scores=scores)))
        elif kind == 'property':
            estimate = property_share(rows, schema, attack['property'])
            print(f'attack {index} ({attack["kind"]}): {attack["property"]["column"]} = {attack["property"]["value"]} '
                  f'in {estimate:.4f} of {len(rows)} records')
            evidence.append(pb.AttackEvidence(attack=index, property=pb.PropertyEstimate(estimate=estimate, samples=len(rows))))
        else:
            raise ReceiverError(f'attack {index}: unknown evidence kind "{kind}" (membership or property)')

    if args.malformed and not any(e.HasField('membership') for e in evidence):
        raise ReceiverError('--malformed shortens a membership attack\'s scores, but no membership attack is listed')
    if args.never_submit:  # test switch: leave without submitting
        print('--never-submit: not calling Evidence.Submit')
        return
    submission = pb.EvidenceSubmission(attacks=evidence)
    submit = pb_grpc.EvidenceStub(channel).Submit
    receipt = unary('Evidence.Submit', submit, submission)
    print(f'Evidence.Submit: {receipt.attacks} attacks accepted, sha256 {receipt.sha256}')
    if args.submit_twice:  # test switch: the broker must refuse a second submission (ALREADY_EXISTS)
        receipt = unary('Evidence.Submit (second call)', submit, submission)
        raise ReceiverError(f'the broker accepted a second submission ({receipt.attacks} attacks)')


# ---------------------------------------------------------------------------------------------------------------


def score_only(path):
    """--score-only: {schema, challenge, synthetic} (tables, or bare rows under the top-level schema) -> scores."""
    with open(path) as f:
        data = json.load(f)

    def table(key):
        value = data[key]
        return (value['rows'], value['schema']['columns']) if isinstance(value, dict) else (value, data['schema']['columns'])

    challenge_rows, challenge_columns = table('challenge')
    synthetic_rows, synthetic_columns = table('synthetic')
    print(json.dumps(nearest_synthetic_scores(challenge_rows, synthetic_rows, synthetic_columns, challenge_columns)))


def main():
    parser = argparse.ArgumentParser(description='A sharebox receiver in Python (docs/external-receiver.md).')
    parser.add_argument('connection', nargs='?', default=os.environ.get('SHAREBOX_CONNECTION'),
                        help='the connection file the runner wrote (default: env SHAREBOX_CONNECTION)')
    parser.add_argument('--proto', default=os.environ.get('SHAREBOX_PROTO', DEFAULT_PROTO),
                        help='protos/sharebox.proto (default: env SHAREBOX_PROTO, else ../../protos/sharebox.proto)')
    parser.add_argument('--score-only', metavar='INPUT', help='print the nearest-synthetic scores of INPUT (JSON) and exit')
    # Test switches, used by the repository's tests of the broker's refusals.
    parser.add_argument('--never-submit', action='store_true', help='test: do everything but Evidence.Submit')
    parser.add_argument('--submit-twice', action='store_true', help='test: call Evidence.Submit a second time')
    parser.add_argument('--malformed', action='store_true', help='test: submit one membership score too few')
    args = parser.parse_args()

    try:
        if args.score_only:
            score_only(args.score_only)
            return 0
        if not args.connection:
            raise ReceiverError('no connection file: pass its path or set SHAREBOX_CONNECTION')
        with open(args.connection) as f:
            connection = json.load(f)
        if connection.get('format') != 'sharebox-connection/1':
            raise ReceiverError(f'{args.connection}: format "{connection.get("format")}", expected "sharebox-connection/1"')
        run(connection, args)
        return 0
    except (ReceiverError, RpcFailed, OSError, ValueError, KeyError) as error:
        detail = f'missing field {error}' if isinstance(error, KeyError) else str(error)
        print(f'sharebox receiver: {detail}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
