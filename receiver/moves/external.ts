/**
 * What the external evidence moves share (docs/external-receiver.md): they are never run by sharebox's own receiver,
 * whose place an outside program takes; the runner turns what that program submitted into their evidence.
 */
export function submittedOnly(id: string): () => Promise<never> {
  return () =>
    Promise.reject(new Error(`receiver.attacks: ${id} is evidence an outside program submits (receiver.external); the built-in receiver does not run it`));
}
