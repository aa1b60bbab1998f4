import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    write: (s: string) => written.push(s) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('the replay progress bar', () => {
  it('redraws one line on a terminal and clears it at the end', () => {
    const t = terminal(true);
    const bar = progressBar(t.stream);
    bar.update(0, 4, 'sent');
    bar.update(2, 4, 'sent');
    bar.update(2, 4, 'sent'); // unchanged: not redrawn
    bar.update(4, 4, 'delivered');
    bar.clear();
    expect(t.written).toEqual([
      `\r[${'.'.repeat(30)}] 0/4 sent\x1b[K`,
      `\r[${'#'.repeat(15)}${'.'.repeat(15)}] 2/4 sent\x1b[K`,
      `\r[${'#'.repeat(30)}] 4/4 delivered\x1b[K`,
      '\r\x1b[K',
    ]);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const t = terminal(false);
    const bar = progressBar(t.stream);
    bar.update(1, 2, 'sent');
    bar.clear();
    expect(t.written).toEqual([]);
  });
});
