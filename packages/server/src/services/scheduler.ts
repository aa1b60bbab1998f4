import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import type { Logger } from '../observability/logger.js';
import {
  claimDueTasks,
  completeTask,
  insertTask,
  nextTaskDue,
  type TaskRow,
} from '../storage/repositories/scheduled-tasks.js';
import { findPlatform } from '../storage/repositories/platforms.js';
import { inTransaction, type Services, type WriteContext } from './context.js';

/** Who a task acts for, and its own data. */
export interface TaskPayload {
  livemode: boolean;
  accountId: string | null;
  [key: string]: unknown;
}

export type TaskHandler = (w: WriteContext, payload: TaskPayload) => Promise<void>;

/**
 * Schedules work at a time on the server's clock, in the caller's transaction. With `id`, a task
 * already scheduled under that id is kept and nothing is added (one task per run of something).
 */
export async function scheduleTask(
  w: WriteContext,
  kind: string,
  dueMs: number,
  payload: TaskPayload,
  id = newId('task', 20),
): Promise<string> {
  await insertTask(w.db, {
    id,
    platform_id: w.platform.id,
    kind,
    payload: JSON.stringify(payload),
    due_ms: dueMs,
    status: 'pending',
    lease_until_ms: null,
    created_ms: w.now,
  });
  w.afterCommit.push(() => w.services.tasksQueued());
  return id;
}

/**
 * Runs due tasks, each in its own transaction with the task's completion, so a task's effects
 * (funds made available, a payout paid) and its events happen exactly once.
 */
export class TaskRunner {
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #woken = false;
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly services: Services,
    private readonly handlers: Record<string, TaskHandler>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#unsubscribe = this.clock.onJump(() => this.wake());
    this.#loop = this.#run();
  }

  wake(): void {
    this.#woken = true;
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    this.#unsubscribe?.();
  }

  async #run(): Promise<void> {
    const db = this.services.dialect.db;
    while (!this.#stopping) {
      this.#woken = false;
      let ran = 0;
      try {
        const realNow = Date.now();
        const tasks = await claimDueTasks(this.services.dialect, {
          now: this.clock.now(),
          realNow,
          leaseUntil: realNow + 60_000,
          limit: 50,
        });
        for (const task of tasks) await this.#runTask(task);
        ran = tasks.length;
      } catch (e) {
        this.log.error('scheduled tasks failed; retrying', { error: (e as Error).message });
      }
      if (ran > 0 || this.#woken) continue;
      const due = await nextTaskDue(db, Date.now()).catch(() => null);
      const delay =
        due === null
          ? 30_000
          : Math.min(Math.max(this.clock.realDelay(due - this.clock.now()), 10), 30_000);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
        if (this.#woken) this.wake();
      });
    }
  }

  async #runTask(task: TaskRow): Promise<void> {
    const handler = this.handlers[task.kind];
    const platform = await findPlatform(this.services.dialect.db, task.platform_id);
    if (!handler || !platform) {
      this.log.error('scheduled task has no handler or platform; dropping it', {
        task: task.id,
        kind: task.kind,
      });
      await completeTask(this.services.dialect.db, task.id);
      return;
    }
    const payload = JSON.parse(task.payload) as TaskPayload;
    try {
      await inTransaction(
        this.services,
        {
          platform,
          livemode: payload.livemode,
          accountId: payload.accountId,
          now: Math.max(this.clock.now(), Number(task.due_ms)),
          request: { id: null, idempotency_key: null },
        },
        async (w) => {
          await handler(w, payload);
          await completeTask(w.db, task.id);
        },
      );
    } catch (e) {
      this.log.error('scheduled task failed; it will be retried', {
        task: task.id,
        kind: task.kind,
        error: (e as Error).message,
      });
    }
  }
}
