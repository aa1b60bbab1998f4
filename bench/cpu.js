// CPU accounting from /proc, so a report can say how busy each process was and how much of the
// machine something else was using meanwhile (a benchmark on a shared machine must say so).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Jiffies of user + system time of a process (all its threads), or null once it has exited. */
function processTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine, summed over its CPUs. */
function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * `pids`: by name, a process id, or a list of them (PostgreSQL's processes), whose ticks are kept
 * per process: one that starts between two snapshots counts from zero.
 */
export function cpuSnapshot(pids) {
  const ticksOf = (pid) =>
    Array.isArray(pid) ? new Map(pid.map((p) => [p, processTicks(p) ?? 0])) : processTicks(pid);
  return {
    at: performance.now(),
    machine: machineTicks(),
    procs: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, ticksOf(pid)])),
  };
}

/** Jiffies between two snapshots of one name (for a list, of the processes alive at the second). */
function ticksBetween(a, b) {
  if (!(b instanceof Map)) return b - a;
  let sum = 0;
  for (const [pid, ticks] of b) sum += ticks - (a instanceof Map ? (a.get(pid) ?? 0) : 0);
  return sum;
}

/**
 * Cores used between two snapshots, per named process, and `other`: what the rest of the machine
 * used meanwhile (assuming 100 jiffies a second, Linux's USER_HZ); `seconds` between the two.
 */
export function cpuUsed(a, b) {
  const seconds = (b.at - a.at) / 1000;
  const used = { seconds };
  let ours = 0;
  for (const name of Object.keys(a.procs)) {
    if (name === 'seconds') continue;
    if (a.procs[name] === null || b.procs[name] === null) continue;
    used[name] = ticksBetween(a.procs[name], b.procs[name]) / 100 / seconds;
    ours += used[name];
  }
  const busy = (b.machine.busy - a.machine.busy) / 100 / seconds;
  used.other = Math.max(0, busy - ours);
  return used;
}
