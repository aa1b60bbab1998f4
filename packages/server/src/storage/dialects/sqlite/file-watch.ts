import { statSync } from 'node:fs';

/** How often the file is looked at between readiness probes (one stat a second costs nothing). */
const CHECK_EVERY_MS = 1_000;

export interface FileWatch {
  /** Looks now: null while the file is the one opened, else why it is not. */
  check(): string | null;
  stop(): void;
}

/**
 * Notices when the database file is deleted or replaced under the running process. SQLite keeps
 * writing to the open file (an unlinked inode), so commits would still succeed and vanish at the
 * next start; `onLost` is called once, at the first check that finds the path gone or naming
 * another file, so the caller can refuse writes from then on. Up to CHECK_EVERY_MS of writes may
 * land before that; readiness probes check at once.
 */
export function watchDatabaseFile(file: string, onLost: (why: string) => void): FileWatch {
  const identity = (): string | null => {
    try {
      const s = statSync(file);
      return `${s.dev}:${s.ino}`;
    } catch {
      return null;
    }
  };
  const opened = identity();
  let lost: string | null = null;
  const check = (): string | null => {
    if (lost !== null || opened === null) return lost;
    const now = identity();
    if (now === opened) return null;
    lost =
      now === null
        ? `the database file ${file} was deleted while the server ran`
        : `the database file ${file} was replaced while the server ran`;
    onLost(lost);
    return lost;
  };
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
