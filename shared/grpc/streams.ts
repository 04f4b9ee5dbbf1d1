import * as grpc from '@grpc/grpc-js';
import { rpcError, type RpcError } from './errors';

/**
 * Writes one message to a server stream, waiting for the transport to drain when its buffer is full. Throws CANCELLED
 * once the caller has cancelled: a cancelled stream never drains, and a producer waiting on it would hang for good.
 */
export async function writeWithBackpressure<T>(call: grpc.ServerWritableStream<unknown, T>, message: T): Promise<void> {
  const cancelled = () => rpcError(grpc.status.CANCELLED, 'the caller cancelled the call');
  if (call.cancelled) throw cancelled();
  if (!call.write(message)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        call.off('cancelled', onCancel);
        resolve();
      };
      const onCancel = () => {
        call.off('drain', onDrain);
        reject(cancelled());
      };
      call.once('drain', onDrain);
      call.once('cancelled', onCancel);
    });
  }
}

/** Ends a server stream with an error status (grpc-js reads the status from an 'error' event). */
export function failStream(call: grpc.ServerWritableStream<unknown, unknown>, err: RpcError): void {
  call.emit('error', err);
}

/** Collects a client-side server stream into an array, rejecting with the stream's error status. */
export function collectStream<T>(stream: grpc.ClientReadableStream<T>, onMessage?: (m: T) => void): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (m: T) => {
      out.push(m);
      onMessage?.(m);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** Promise form of a unary client call. */
export function unary<Req, Res>(
  fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, md, opts, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
