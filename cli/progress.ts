/**
 * One progress display fed by all three parties. On a terminal: a cli-progress bar per (party, stage) with
 * info lines printed above the bars. Elsewhere (CI, pipes): plain lines, at most one per stage per 10 %.
 */
import * as cliProgress from 'cli-progress';
import type { ProgressEvent__Output } from '../shared/grpc/generated/sharebox/ProgressEvent';

export interface ProgressSink {
  event(event: ProgressEvent__Output): void;
  info(message: string): void;
  stop(): void;
}

export function createProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressSink {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { event: () => undefined, info: () => undefined, stop: () => undefined };
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

/** Where plain progress lines go: a terminal, a pipe, a party's log file. */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * The plain lines for a party's log file: the same ones a non-terminal console shows, whatever the console does
 * (bars, or nothing with --quiet), so the log a failure message names tells how far the party got.
 */
export function createLogProgress(sink: LineSink): ProgressSink {
  return new LineProgress(sink);
}

class BarProgress implements ProgressSink {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: '{party} {stage} |{bar}| {value}/{total} {message}',
        barsize: 28,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  event(e: ProgressEvent__Output): void {
    if (e.level !== 'progress' || !(e.total > 0)) {
      this.info(`[${e.party}] ${e.stage}: ${e.message}`);
      return;
    }
    const key = `${e.party}/${e.stage}`;
    let bar = this.bars.get(key);
    const payload = { party: e.party.padEnd(8), stage: e.stage.padEnd(20), message: e.message };
    if (!bar) {
      bar = this.multi.create(e.total, 0, payload);
      this.bars.set(key, bar);
    }
    bar.setTotal(e.total);
    bar.update(e.current, payload);
  }

  info(message: string): void {
    this.multi.log(message + '\n');
  }

  stop(): void {
    this.multi.stop();
  }
}

class LineProgress implements ProgressSink {
  private readonly lastDecile = new Map<string, number>();

  constructor(private readonly stream: LineSink) {}

  event(e: ProgressEvent__Output): void {
    if (e.level !== 'progress' || !(e.total > 0)) {
      this.info(`[${e.party}] ${e.stage}: ${e.message}`);
      return;
    }
    const key = `${e.party}/${e.stage}`;
    const decile = Math.floor((10 * e.current) / e.total);
    if (decile === this.lastDecile.get(key)) return;
    this.lastDecile.set(key, decile);
    this.info(`[${e.party}] ${e.stage} ${e.current}/${e.total} ${e.message}`);
  }

  info(message: string): void {
    this.stream.write(message + '\n');
  }

  stop(): void {}
}
