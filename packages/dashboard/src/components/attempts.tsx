import { formatDateTime, formatDuration } from '../lib/format';
import { Link } from '../lib/router';
import type { Attempt } from '../lib/types';
import { HttpStatus } from './status';
import { Badge, Json } from './ui';

/** Marks an attempt chaos delivery touched; what it did is the badge's title and in the details. */
export function ChaosBadge({ attempt }: { attempt: Attempt }) {
  if (!attempt.chaos) return null;
  return (
    <span title={attempt.chaos}>
      <Badge tone="warn">Chaos</Badge>
    </span>
  );
}

/** One attempt's request and response, for an expandable row. */
export function AttemptDetails({
  attempt,
  body,
  hint,
}: {
  attempt: Attempt;
  body?: unknown;
  /** What the request body shown is (default: a v1 event as the endpoint received it). */
  hint?: string | undefined;
}) {
  return (
    <div className="attempt-details">
      <div>
        <h4>Request headers</h4>
        <table className="table compact headers">
          <tbody>
            {Object.entries(attempt.request_headers).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>
                  <code>{v}</code>
                </td>
              </tr>
            ))}
            {Object.keys(attempt.request_headers).length === 0 && (
              <tr>
                <td className="muted">No request was sent.</td>
              </tr>
            )}
          </tbody>
        </table>
        {body !== undefined && (
          <>
            <h4>Request body</h4>
            <p className="hint">
              {hint ?? (
                <>
                  The event below, as this endpoint received it (rendered for its API version, with{' '}
                  <code>pending_webhooks</code> as it was then).
                </>
              )}
            </p>
            <Json value={body} label="Request body" />
          </>
        )}
      </div>
      <div>
        {attempt.chaos && (
          <>
            <h4>Chaos delivery</h4>
            <p className="chaos-note">{attempt.chaos}</p>
          </>
        )}
        <h4>Response</h4>
        {attempt.error && <p className="error-text">{attempt.error}</p>}
        {attempt.response_body !== null ? (
          <Json value={attempt.response_body || '(empty body)'} label="Response body excerpt" />
        ) : (
          !attempt.error && <p className="muted">No response body.</p>
        )}
        {attempt.next_attempt !== null && (
          <p className="hint">Next attempt: {formatDateTime(attempt.next_attempt)}</p>
        )}
      </div>
    </div>
  );
}

/** Recent attempts to one endpoint; each row opens to show the request and the response. */
export function AttemptsTable({ attempts }: { attempts: Attempt[] }) {
  return (
    <div className="table-wrap">
      <table className="table attempts">
        <caption className="visually-hidden">Recent delivery attempts</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.id} data-attempt={a.id}>
              <td className="nowrap">{formatDateTime(a.created)}</td>
              <td>
                <Link to={`/events/${a.event}`}>
                  <code>{a.event}</code>
                </Link>
              </td>
              <td>
                <HttpStatus code={a.status_code} error={a.error} /> <ChaosBadge attempt={a} />
              </td>
              <td>{formatDuration(a.duration_ms)}</td>
              <td>
                <details>
                  <summary>Request and response</summary>
                  <AttemptDetails attempt={a} />
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
