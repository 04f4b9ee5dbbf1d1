import * as grpc from '@grpc/grpc-js';

/** A gRPC error to throw or pass to a callback: the code travels to the caller with the message. */
export interface RpcError extends Error {
  code: grpc.status;
  details: string;
}

export function rpcError(code: grpc.status, message: string): RpcError {
  const err = new Error(message) as RpcError;
  err.code = code;
  err.details = message;
  return err;
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof Error && typeof (err as Partial<RpcError>).code === 'number';
}

/** Turns anything thrown inside a handler into a gRPC error (INTERNAL unless it already carries a code). */
export function toRpcError(err: unknown, rpc: string): RpcError {
  if (isRpcError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return rpcError(grpc.status.INTERNAL, `${rpc}: ${message}`);
}

/** The name of a status code, for messages ("RESOURCE_EXHAUSTED" rather than 8). */
export function statusName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}
