import type { LogLevel } from '../config/schema.js';

/**
 * Structured logs: one line per entry, JSON or a readable line. Every line passes through
 * `redactSecrets` on its way out, so an API key or webhook secret that slips into a message or
 * field never reaches the output.
 */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
  enabled(level: LogLevel): boolean;
}

export type Fields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const secretPattern =
  /\b((?:sk|rk)_(?:test|live)_)[A-Za-z0-9_]+|\bwhsec_[A-Za-z0-9+/=_]+|\bcliws_[A-Za-z0-9]+|\b(?:acctlink|loginlink)_[A-Za-z0-9]+|\b(?:rt|ac)_[A-Za-z0-9]{24,}/g;

/**
 * Replaces API keys, webhook secrets, listen-session credentials, link tokens, OAuth refresh
 * tokens and authorization codes with a marker.
 */
export function redactSecrets(text: string): string {
  return text.replace(secretPattern, (match, keyPrefix: string | undefined) =>
    keyPrefix ? `${keyPrefix}[redacted]` : `${match.slice(0, match.indexOf('_') + 1)}[redacted]`,
  );
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'pretty';
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions, base: Fields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const threshold = rank[options.level];
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (rank[level] < threshold) return;
    const entry = { ...base, ...fields };
    let line: string;
    if (options.format === 'json') {
      line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...entry });
    } else {
      const parts = Object.entries(entry)
        .filter(([, v]) => v !== undefined)
        .map(
          ([k, v]) =>
            `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`,
        );
      line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${parts.length ? ' ' + parts.join(' ') : ''}`;
    }
    write(redactSecrets(line) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
    enabled: (level) => rank[level] >= threshold,
  };
}
