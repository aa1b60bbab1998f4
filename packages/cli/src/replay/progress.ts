/** A one-line progress bar on a terminal; silent when the stream is not a TTY (pipes, CI logs). */
export interface Progress {
  update(done: number, total: number, label: string): void;
  clear(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, clear: () => undefined };
  let last = '';
  return {
    update(done, total, label) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      if (line === last) return;
      last = line;
      stream.write(`\r${line}\x1b[K`);
    },
    clear() {
      if (last) stream.write('\r\x1b[K');
      last = '';
    },
  };
}
