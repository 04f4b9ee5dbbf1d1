import type { z } from 'zod';

/** One line per issue: `path.to.field: message`, for errors in configuration handed to a party. */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
