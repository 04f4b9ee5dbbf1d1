/**
 * Keeps the tfjs banner off the user's terminal (stack.md §5).
 *
 * The cpu backend prints, on its first tensor, a warning urging tfjs-node. tfjs-node does not install on these
 * machines (stack.md §1), so the advice is noise. tfjs offers no flag for this one message (`PROD`/`IS_TEST`
 * would also silence every other tfjs warning), so we drop exactly that message from `console.warn` and pass
 * everything else through.
 */
const BANNER_MARKERS = ['looks like you are running TensorFlow.js in Node.js', 'github.com/tensorflow/tfjs-node'];

let installed = false;

function isTfjsNodeBanner(args: unknown[]): boolean {
  return args.some((arg) => typeof arg === 'string' && BANNER_MARKERS.every((marker) => arg.includes(marker)));
}

/** Wraps `console.warn` once so the tfjs-node banner is dropped. Idempotent. */
export function suppressTfjsNodeBanner(): void {
  if (installed) return;
  installed = true;
  const originalWarn = console.warn.bind(console);
  console.warn = (...args: unknown[]): void => {
    if (isTfjsNodeBanner(args)) return;
    originalWarn(...args);
  };
}
