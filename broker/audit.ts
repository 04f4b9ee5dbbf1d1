/**
 * The broker's append-only audit log: one JSON line per call, written with O_APPEND and fsync'd before the
 * call's answer completes, so the log survives a crash of any party (including the broker itself, up to the
 * call in flight).
 */
import * as fs from 'fs';
import * as path from 'path';

export interface AuditRecord {
  time: string;
  party: string;
  method: string;
  arguments: Record<string, unknown>;
  /** Records (or other metered units) actually returned. */
  samplesReturned: number;
  seed?: number;
  /** SHA-256 over the response payload bytes, so a party can later prove what it received. */
  responseSha256?: string;
  status: string;
  error?: string;
}

export class AuditLog {
  private readonly fd: number;
  private count = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 'a' = O_APPEND: a reopened log is extended, never truncated.
    this.fd = fs.openSync(file, 'a');
  }

  append(record: AuditRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
    this.count++;
  }

  get records(): number {
    return this.count;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export function readAuditLog(file: string): AuditRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}
