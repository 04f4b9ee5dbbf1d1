import * as grpc from '@grpc/grpc-js';
import { rpcError } from '../shared/grpc/errors';

/**
 * A query budget in samples. A call reserves its whole request before anything is forwarded (so concurrent
 * calls can never overdraw it) and is refunded what it did not deliver. The receiver therefore never gets
 * one sample more than the scenario's budget.
 */
export class SampleBudget {
  private reserved = 0;
  private spent = 0;

  constructor(readonly total: number) {}

  get left(): number {
    return this.total - this.spent - this.reserved;
  }

  get used(): number {
    return this.spent;
  }

  /** Reserves `count` samples or throws RESOURCE_EXHAUSTED naming the RPC and what is left. */
  reserve(count: number, rpc: string): void {
    if (count > this.left) {
      throw rpcError(
        grpc.status.RESOURCE_EXHAUSTED,
        `${rpc}: ${count} samples requested but only ${this.left} of the budget of ${this.total} are left`,
      );
    }
    this.reserved += count;
  }

  /** Settles a reservation: `delivered` samples are spent, the rest goes back to the budget. */
  settle(reservedCount: number, delivered: number): void {
    this.reserved -= reservedCount;
    this.spent += Math.min(delivered, reservedCount);
  }
}
