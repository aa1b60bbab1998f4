/** What the test process and its Switchboard child process tell each other over the IPC channel. */

/** `switchboard serve` settings by their config key (`testRetry`, `endpointConcurrency`, ...). */
export type Settings = Record<string, string>;

export type ToChild = { type: 'reset' } | { type: 'close' };

export type FromChild =
  { type: 'ready'; url: string; port: number } | { type: 'failed'; message: string };

/** The child's start settings: its argument, as JSON. */
export interface ChildStart {
  settings: Settings;
}
