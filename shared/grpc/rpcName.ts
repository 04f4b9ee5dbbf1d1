/** "/sharebox.BlackBox/Sample" → "BlackBox.Sample": how audit lines and refusals name a call. */
export function rpcNameOf(path: string): string {
  const match = /^\/(?:[\w.]+\.)?(\w+)\/(\w+)$/.exec(path);
  return match ? `${match[1]}.${match[2]}` : path;
}
