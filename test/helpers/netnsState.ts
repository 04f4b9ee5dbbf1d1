/** What the host's network looks like, for tests that check a run left no namespace or veth behind. */
import { execFileSync } from 'child_process';

/** The names of the network namespaces that exist now, sorted. */
export function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean)
    .sort();
}

/** The names of the root namespace's links that start with `prefix`. */
export function linksNamed(prefix: string): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((name) => name.startsWith(prefix));
}
