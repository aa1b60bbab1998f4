import type Stripe from 'stripe';
import { randomToken } from '../domain/ids.js';
import { publicBaseUrl, type WriteContext } from '../services/context.js';
import { emitEvent } from '../services/emit-event.js';
import type { Scope } from '../scope/scope.js';
import { errors } from '../stripe/errors.js';
import {
  applied,
  applyMetadata,
  boolean,
  effect,
  expandParam,
  httpUrl,
  metadata,
  nullableObject,
  object,
  oneOf,
  refused,
  required,
  string,
} from '../stripe/params.js';
import {
  createObject,
  parseData,
  parseInternal,
  requireObject,
  requireObjectToChange,
  saveObject,
} from './common.js';
import { filteredList } from './list-route.js';
import { get, post, type Resource } from './route.js';

/**
 * Stripe Identity verification sessions (`vs_...`): a session is `requires_input` until the user
 * goes through the verification page its `url` leads to (hosted/identity.ts, Switchboard's
 * stand-in for Stripe's test-mode page). There the tester chooses: "Verify" makes it `processing`
 * then `verified` with Stripe's test person in `verified_outputs`; "Fail" leaves it
 * `requires_input` with a `last_error`. Then the page goes back to `return_url`. A session waiting
 * for input can be updated or canceled; one waiting for input or verified can be redacted.
 * Events: identity.verification_session.created, .processing, .verified, .requires_input,
 * .canceled, .redacted (which Stripe sends only to endpoints that name it).
 */
type Session = Stripe.Identity.VerificationSession;

interface SessionInternal {
  /** The secret part of the session's `url`: the page opens with it. */
  urlToken: string;
}

export const RETURN_TEST =
  'the verification page verifies a session with the test person and goes back to return_url';
const SESSION = 'identity.verification_session';
const LABEL = 'verification session';

/** The path of a session's page (Stripe's verify.stripe.com/start/...). */
export const verifyPath = (id: string, token: string) => `/identity/start/${id}/${token}`;

const documentOptions = nullableObject({
  allowed_types: applied<string[]>(),
  require_id_number: boolean(),
  require_live_capture: boolean(),
  require_matching_selfie: boolean(),
});
const options = object({ document: documentOptions });
const providedDetails = object({ email: string(), phone: string() });
const type = oneOf(['document', 'id_number']);

type Options = { document?: Record<string, unknown> | null } | undefined;

/** The session's `options` for its type: a document check's, or `{id_number: {}}`. */
function optionsOf(kind: string, given: Options, before: Session['options'] | null) {
  if (kind === 'id_number') return { id_number: {} };
  const document =
    given?.document === undefined ? (before?.document ?? {}) : (given.document ?? {});
  return { document } as Session['options'];
}

/** Stripe's test person: what its test-mode page verifies (`verified_outputs`). */
export function testOutputs(session: Session): Stripe.Identity.VerificationSession.VerifiedOutputs {
  const idNumber = session.type === 'id_number' || session.options?.document?.require_id_number;
  return {
    address: {
      city: 'San Francisco',
      country: 'US',
      line1: '1234 Main St.',
      line2: null,
      postal_code: '94111',
      state: 'CA',
    },
    dob: { day: 1, month: 1, year: 1901 },
    email: null,
    first_name: 'Jenny',
    id_number: idNumber ? '000000000' : null,
    id_number_type: idNumber ? 'us_ssn' : null,
    last_name: 'Rosen',
    phone: null,
  };
}

/** What a session shows once it no longer waits for input: no url, no client secret. */
const settled = (session: Session, status: Session['status']): Session => ({
  ...session,
  status,
  url: null,
  client_secret: null,
});

/**
 * The page's outcome: `verified` (processing, then verified with the test person) or `failed`
 * (back to requires_input with last_error). Returns the session after it, or null when it no
 * longer waits for input.
 */
export async function finishVerification(
  w: WriteContext,
  id: string,
  verified: boolean,
  locked: Session,
): Promise<Session | null> {
  if (locked.status !== 'requires_input') return null;
  if (!verified) {
    const failed: Session = {
      ...locked,
      last_error: {
        code:
          locked.type === 'id_number' ? 'id_number_unverified_other' : 'document_unverified_other',
        reason:
          locked.type === 'id_number'
            ? 'The ID number could not be verified (the tester chose to fail it).'
            : 'The document could not be verified (the tester chose to fail it).',
      },
    };
    await saveObject(w.db, id, failed);
    await emitEvent(w, {
      type: 'identity.verification_session.requires_input',
      object: failed as never,
    });
    return failed;
  }
  const processing: Session = { ...settled(locked, 'processing'), last_error: null };
  await emitEvent(w, {
    type: 'identity.verification_session.processing',
    object: processing as never,
  });
  const done: Session = {
    ...processing,
    status: 'verified',
    verified_outputs: testOutputs(locked),
  };
  await saveObject(w.db, id, done);
  await emitEvent(w, { type: 'identity.verification_session.verified', object: done as never });
  return done;
}

/** A session of the caller's scope, locked for a change; refused unless `allowed` holds. */
async function sessionToChange(
  w: WriteContext,
  caller: Scope,
  id: string,
  allowed: readonly string[],
  what: string,
) {
  const row = await requireObjectToChange(w, caller, SESSION, id, LABEL, 'session');
  const session = parseData<Session>(row);
  if (!session.redaction || what !== 'redacted') requireStatus(session, allowed, what);
  return { row, session };
}

function requireStatus(session: Session, allowed: readonly string[], what: string): void {
  if (!allowed.includes(session.status))
    throw errors.invalidRequest(
      `This VerificationSession cannot be ${what} because it has a status of ${session.status}; only a session with a status of ${allowed.join(' or ')} can.`,
      undefined,
      'session_invalid_status',
    );
}

/** Stripe's redaction of a verified session's personal data. */
function redactOutputs(
  outputs: Session['verified_outputs'],
): Stripe.Identity.VerificationSession.VerifiedOutputs | null {
  if (!outputs) return null;
  const hidden = (v: string | null | undefined) => (v ? '[redacted]' : null);
  return {
    address: outputs.address
      ? {
          city: hidden(outputs.address.city),
          country: hidden(outputs.address.country),
          line1: hidden(outputs.address.line1),
          line2: hidden(outputs.address.line2),
          postal_code: hidden(outputs.address.postal_code),
          state: hidden(outputs.address.state),
        }
      : null,
    dob: outputs.dob ? { day: 1, month: 1, year: 1970 } : null,
    email: hidden(outputs.email),
    first_name: hidden(outputs.first_name),
    id_number: hidden(outputs.id_number),
    id_number_type: outputs.id_number_type,
    last_name: hidden(outputs.last_name),
    phone: hidden(outputs.phone),
  };
}

export const identity: Resource = {
  name: 'identity.verification_sessions',
  routes: [
    post(
      '/v1/identity/verification_sessions',
      {
        type: required(type),
        options,
        metadata: metadata(),
        return_url: effect(httpUrl(), RETURN_TEST),
        client_reference_id: string({ maxLength: 5000 }),
        provided_details: providedDetails,
        related_customer: string(),
        related_customer_account: refused('v2 customer accounts are not modelled'),
        related_person: refused(
          "linking a session to a connected account's person is not modelled",
        ),
        verification_flow: refused(
          'verification flows are configured in the Dashboard, which Switchboard does not model',
        ),
        ...expandParam,
      },
      async ({ w, caller, params: p, services, host }) => {
        if (p.related_customer)
          await requireObject(
            w.db,
            caller,
            'customer',
            p.related_customer,
            'customer',
            'related_customer',
          );
        const token = randomToken(32);
        const base = publicBaseUrl(services, host);
        const { data } = await createObject<Session>(w, {
          type: SESSION,
          prefix: 'vs',
          data: (id, created) =>
            ({
              id,
              object: SESSION,
              client_reference_id: p.client_reference_id ?? null,
              client_secret: `${id}_secret_${randomToken(24)}`,
              created,
              last_error: null,
              last_verification_report: null,
              livemode: w.livemode,
              metadata: applyMetadata({}, p.metadata),
              options: optionsOf(p.type, p.options as Options, null),
              provided_details: p.provided_details ?? null,
              redaction: null,
              related_customer: p.related_customer ?? null,
              related_customer_account: null,
              status: 'requires_input',
              type: p.type,
              url: `${base}${verifyPath(id, token)}`,
              verified_outputs: null,
            }) as Session,
          internal: { urlToken: token, returnUrl: p.return_url ?? null },
        });
        await emitEvent(w, {
          type: 'identity.verification_session.created',
          object: data as never,
        });
        return data;
      },
    ),

    get('/v1/identity/verification_sessions/:id', expandParam, async ({ db, caller, path }) =>
      parseData(await requireObject(db, caller, SESSION, path.id!, LABEL, 'session')),
    ),

    post(
      '/v1/identity/verification_sessions/:id',
      { type, options, metadata: metadata(), provided_details: providedDetails, ...expandParam },
      async ({ w, caller, path, params: p }) => {
        const { row, session } = await sessionToChange(
          w,
          caller,
          path.id!,
          ['requires_input'],
          'updated',
        );
        const kind = p.type ?? session.type;
        const after: Session = {
          ...session,
          type: kind,
          metadata: applyMetadata(session.metadata ?? {}, p.metadata),
          options:
            p.type !== undefined || p.options !== undefined
              ? optionsOf(
                  kind,
                  p.options as Options,
                  session.type === kind ? session.options : null,
                )
              : session.options,
          provided_details: p.provided_details
            ? { ...(session.provided_details ?? {}), ...p.provided_details }
            : (session.provided_details ?? null),
        };
        // Stripe has no identity.verification_session.updated event.
        await saveObject(w.db, row.id, after);
        return after;
      },
    ),

    post(
      '/v1/identity/verification_sessions/:id/cancel',
      expandParam,
      async ({ w, caller, path }) => {
        const { row, session } = await sessionToChange(
          w,
          caller,
          path.id!,
          ['requires_input'],
          'canceled',
        );
        const canceled = settled(session, 'canceled');
        await saveObject(w.db, row.id, canceled);
        await emitEvent(w, {
          type: 'identity.verification_session.canceled',
          object: canceled as never,
        });
        return canceled;
      },
    ),

    post(
      '/v1/identity/verification_sessions/:id/redact',
      expandParam,
      async ({ w, caller, path }) => {
        const { row, session } = await sessionToChange(
          w,
          caller,
          path.id!,
          ['requires_input', 'verified'],
          'redacted',
        );
        // Redacting twice changes nothing more.
        if (session.redaction) return session;
        // Redacting a session that waits for input cancels it, as on Stripe.
        const base = session.status === 'requires_input' ? settled(session, 'canceled') : session;
        if (base !== session)
          await emitEvent(w, {
            type: 'identity.verification_session.canceled',
            object: base as never,
          });
        const redacted: Session = {
          ...base,
          redaction: { status: 'redacted' },
          verified_outputs: redactOutputs(session.verified_outputs),
          provided_details: session.provided_details ? {} : (session.provided_details ?? null),
        };
        await saveObject(w.db, row.id, redacted);
        await emitEvent(w, {
          type: 'identity.verification_session.redacted',
          object: redacted as never,
        });
        return redacted;
      },
    ),

    filteredList('/v1/identity/verification_sessions', {
      type: SESSION,
      filters: ['status', 'client_reference_id', 'related_customer'],
      label: 'verification session',
    }),
  ],
};

/** The session's page token and return_url, kept apart from the object. */
export const sessionInternal = (row: Parameters<typeof parseInternal>[0]) =>
  parseInternal<SessionInternal & { returnUrl: string | null }>(row);
