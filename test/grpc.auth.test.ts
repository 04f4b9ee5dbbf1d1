/**
 * Authentication of an incoming call: a missing `authorization` header and a malformed one are different mistakes
 * (a client that forgot the token, a client that sends it wrong), so the UNAUTHENTICATED message tells them apart.
 */
import * as grpc from '@grpc/grpc-js';
import { authenticate, bearerMetadata } from '../shared/grpc/auth';

const KNOWN = { receiver: 'the-receiver-token' };

function withAuthorization(...values: string[]): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const v of values) md.add('authorization', v);
  return md;
}

/** The UNAUTHENTICATED details `authenticate` throws for this metadata. */
function refusal(md: grpc.Metadata): string {
  try {
    authenticate(md, KNOWN, 'Gateway.Sample');
  } catch (err) {
    expect((err as { code: number }).code).toBe(grpc.status.UNAUTHENTICATED);
    return (err as { details: string }).details;
  }
  throw new Error('expected the call to be refused');
}

test('the right bearer token names its party', () => {
  expect(authenticate(bearerMetadata(KNOWN.receiver), KNOWN, 'Gateway.Sample')).toBe('receiver');
});

test('no authorization header at all is reported as missing', () => {
  expect(refusal(new grpc.Metadata())).toBe('Gateway.Sample: missing "authorization: Bearer <token>" metadata');
});

test.each([
  ['another scheme', ['Basic xyz'], 'the "Basic" scheme'],
  ['Bearer with no token', ['Bearer'], '"Bearer" with no token'],
  ['Bearer and a space but no token', ['Bearer '], '"Bearer" with no token'],
  ['two values', ['Bearer a', 'Bearer b'], '2 values'],
  ['two values joined by a comma', ['Bearer a, Bearer b'], 'several comma-separated values'],
  ['a bare token without its scheme', ['the-receiver-token'], 'a single word without the "Bearer" scheme'],
  ['an empty value', [''], 'an empty value'],
])('a malformed authorization header (%s) is reported as malformed, with what was expected', (_what, values, found) => {
  const message = refusal(withAuthorization(...values));
  expect(message).toBe(`Gateway.Sample: malformed "authorization" metadata: expected exactly one value "Bearer <token>" (got ${found})`);
  expect(message).not.toMatch(/missing/);
});

test('a malformed header is described without quoting its secret part', () => {
  expect(refusal(withAuthorization('Basic c2VjcmV0OnBhc3N3b3Jk'))).not.toContain('c2VjcmV0');
  expect(refusal(withAuthorization('the-receiver-token'))).not.toContain('the-receiver-token');
});

test('a well-formed token that matches nobody is still "not valid", not malformed', () => {
  expect(refusal(bearerMetadata('someone-else'))).toBe('Gateway.Sample: the bearer token is not valid for this server');
});
