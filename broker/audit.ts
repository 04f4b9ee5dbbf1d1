/**
 * The broker's append-only audit log: JSON lines, written with O_APPEND and fsync'd as they are written, so the log
 * survives a crash of any party (the broker itself included). The lines are written at the server's edge
 * (broker/edgeAudit.ts), for every call the receiver-facing server sees, refused or not:
 *   - a close line (`phase: "close"`) when the call ends: who, what, what was actually delivered and the status that
 *     went out (CANCELLED when the caller or the connection ended it first). One per call; the lines written before
 *     phases existed are close lines without `phase`.
 *   - before it, for a streaming call, an open line (`phase: "open"`), so that a call in flight when the broker dies
 *     still leaves a trace: an open line whose `callId` has no close line.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A call's outcome: the close line. Its fields are the ones lines had before phases existed, plus `phase` and `callId`. */
export interface AuditRecord {
  time: string;
  party: string;
  method: string;
  arguments: Record<string, unknown>;
  /** Records (or other metered units) actually delivered: taken by the transport before the call ended. */
  samplesReturned: number;
  seed?: number;
  /** SHA-256 over the delivered response payload bytes, so a party can later prove what it received. */
  responseSha256?: string;
  status: string;
  error?: string;
  /** "close"; absent in lines written before open lines existed. */
  phase?: 'close';
  /** Pairs the close line with its open line (absent in older lines). */
  callId?: string;
}

/** A streaming call has started: written and flushed before the broker's handler runs. */
export interface AuditOpenLine {
  time: string;
  phase: 'open';
  callId: string;
  party: string;
  method: string;
}

export type AuditLine = AuditRecord | AuditOpenLine;

export class AuditLog {
  private readonly fd: number;
  private count = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 'a' = O_APPEND: a reopened log is extended, never truncated.
    this.fd = fs.openSync(file, 'a');
  }

  /** The open line of a streaming call. Synchronous, so it is on disk before the call does anything. */
  open(line: Omit<AuditOpenLine, 'phase' | 'time'>): void {
    this.write({ time: new Date().toISOString(), phase: 'open', ...line });
  }

  /** The close line of a call. */
  append(record: AuditRecord): void {
    this.write(record);
    this.count++;
  }

  /** Calls closed so far (open lines are not calls). */
  get records(): number {
    return this.count;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private write(line: AuditLine): void {
    fs.writeSync(this.fd, JSON.stringify(line) + '\n');
    fs.fsyncSync(this.fd);
  }
}

/** Every line of the log, open lines included, in the order written. */
export function readAuditTrail(file: string): AuditLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditLine);
}

function isOpenLine(line: AuditLine): line is AuditOpenLine {
  return line.phase === 'open';
}

/** One line per finished call: the close lines (what the referee and the report count). */
export function readAuditLog(file: string): AuditRecord[] {
  return readAuditTrail(file).filter((line): line is AuditRecord => !isOpenLine(line));
}

/** The calls that opened and never closed: in flight when the log stopped (the broker died or was killed). */
export function callsLeftOpen(lines: readonly AuditLine[]): AuditOpenLine[] {
  const closed = new Set(lines.filter((l) => !isOpenLine(l) && l.callId).map((l) => l.callId));
  return lines.filter(isOpenLine).filter((l) => !closed.has(l.callId));
}
