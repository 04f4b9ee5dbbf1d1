/**
 * Merging the moves' report fragments (shared/moves/move.ts `ScoredMove`): objects key by key, arrays appended, in the
 * order of the moves. Two moves writing the same number is a programming error (two labels collided), so it throws.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergeReportFragments(into: Record<string, unknown>, fragment: Record<string, unknown>, path = ''): Record<string, unknown> {
  for (const [key, value] of Object.entries(fragment)) {
    const at = path ? `${path}.${key}` : key;
    const existing = into[key];
    if (existing === undefined) {
      into[key] = isPlainObject(value) ? mergeReportFragments({}, value, at) : Array.isArray(value) ? [...value] : value;
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      mergeReportFragments(existing, value, at);
    } else if (Array.isArray(existing) && Array.isArray(value)) {
      existing.push(...value);
    } else {
      throw new Error(`referee: two moves both wrote ${at} in the report`);
    }
  }
  return into;
}

/** The label of each move in the report: its report name, with `-a<index>` when the same move is listed more than once. */
export function moveLabels(moves: ReadonlyArray<{ id: string; reportName?: string; index: number }>): string[] {
  const count = new Map<string, number>();
  for (const m of moves) count.set(m.id, (count.get(m.id) ?? 0) + 1);
  return moves.map((m) => (m.reportName ?? m.id) + ((count.get(m.id) ?? 0) > 1 ? `-a${m.index}` : ''));
}
