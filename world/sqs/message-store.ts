/**
 * The messages of a queue and its dead-letter queue, kept as cohorts: messages sent in the same
 * second and received the same number of times are one entry with a count, so a backlog of
 * millions costs a few thousand entries. Every message is in exactly one place — visible,
 * in flight (inside an invocation), waiting out its visibility timeout, in the dead-letter queue —
 * or gone (deleted, expired, expired from the dead-letter queue), and the counters say how many.
 *
 * Times are whole seconds since the world started.
 *
 * Simplifications (beside those in `queue-world.ts`):
 * - Receives take the oldest visible messages first. A standard queue promises no order, but
 *   receives do tend to the oldest; taking oldest first makes the backlog's age the honest worst
 *   case, and makes returned (failed) messages the first retried.
 * - Retention is checked when a message is visible: a message waiting out its visibility timeout
 *   past its retention period is deleted when the timeout ends (at most VisibilityTimeout late),
 *   and a message inside an invocation is not expired under it (it is deleted if the invocation
 *   succeeds, or expires when it returns).
 */

/** Messages sent in the same second and received the same number of times. */
export interface Cohort {
  sentAt: number;
  receiveCount: number;
  count: number;
}

interface DeadLetterCohort {
  /** Original enqueue time: a standard queue keeps it when it moves a message to the DLQ. */
  sentAt: number;
  movedAt: number;
  count: number;
}

interface InFlight {
  deleted: Cohort[];
  returned: Cohort[];
  /** When the returned messages become visible again. */
  visibleAt: number;
}

export interface MessageStoreSettings {
  retentionSeconds: number;
  deadLetterRetentionSeconds: number;
  /** Redrive policy: a message received this many times moves to the DLQ at its next receive. */
  maxReceiveCount: number;
}

export interface ReceiveResult {
  /** What was handed out, receive counts already incremented. */
  received: Cohort[];
  count: number;
  /** Moved to the dead-letter queue by this receive (they exceeded maxReceiveCount). */
  movedToDeadLetter: number;
}

export class MessageStore {
  readonly settings: MessageStoreSettings;
  /** Sorted by sentAt, then receiveCount; entries before #head are consumed. */
  #visible: Cohort[] = [];
  #head = 0;
  #visibleCount = 0;
  #waiting = new Map<number, Cohort[]>();
  #waitingCount = 0;
  #inFlight = new Map<number, InFlight[]>();
  #inFlightCount = 0;
  /** Sorted by sentAt. */
  #deadLetter: DeadLetterCohort[] = [];
  #deadLetterCount = 0;

  constructor(settings: MessageStoreSettings) {
    this.settings = settings;
  }

  get visible(): number {
    return this.#visibleCount;
  }

  /** In flight plus waiting out a visibility timeout: SQS's ApproximateNumberOfMessagesNotVisible. */
  get notVisible(): number {
    return this.#inFlightCount + this.#waitingCount;
  }

  get inFlight(): number {
    return this.#inFlightCount;
  }

  get deadLetter(): number {
    return this.#deadLetterCount;
  }

  send(second: number, count: number): void {
    if (count > 0) this.#insertVisible({ sentAt: second, receiveCount: 0, count });
  }

  /**
   * Start of a second: messages whose visibility timeout ends now become visible again, and
   * messages past their retention period are deleted, in the queue and in the DLQ.
   */
  tick(second: number): { expired: number; deadLetterExpired: number } {
    const { retentionSeconds, deadLetterRetentionSeconds } = this.settings;
    let expired = 0;
    for (const cohort of this.#waiting.get(second) ?? []) {
      this.#waitingCount -= cohort.count;
      if (second - cohort.sentAt > retentionSeconds) expired += cohort.count;
      else this.#insertVisible(cohort);
    }
    this.#waiting.delete(second);
    while (this.#head < this.#visible.length) {
      const oldest = this.#visible[this.#head] as Cohort;
      if (second - oldest.sentAt <= retentionSeconds) break;
      expired += oldest.count;
      this.#visibleCount -= oldest.count;
      this.#head += 1;
    }
    this.#compact();
    let deadLetterExpired = 0;
    let drop = 0;
    for (const cohort of this.#deadLetter) {
      if (second - cohort.sentAt <= deadLetterRetentionSeconds) break;
      deadLetterExpired += cohort.count;
      drop += 1;
    }
    if (drop > 0) {
      this.#deadLetter.splice(0, drop);
      this.#deadLetterCount -= deadLetterExpired;
    }
    return { expired, deadLetterExpired };
  }

  /**
   * One ReceiveMessage's worth (or many): up to `max` messages, oldest first. Messages already
   * received maxReceiveCount times are moved to the DLQ on the way, as SQS does, and do not count
   * toward `max`.
   */
  receive(second: number, max: number): ReceiveResult {
    const received: Cohort[] = [];
    let count = 0;
    let movedToDeadLetter = 0;
    while (count < max && this.#head < this.#visible.length) {
      const cohort = this.#visible[this.#head] as Cohort;
      if (cohort.receiveCount >= this.settings.maxReceiveCount) {
        this.#moveToDeadLetter(cohort, second);
        movedToDeadLetter += cohort.count;
        this.#visibleCount -= cohort.count;
        this.#head += 1;
        continue;
      }
      const take = Math.min(cohort.count, max - count);
      received.push({ sentAt: cohort.sentAt, receiveCount: cohort.receiveCount + 1, count: take });
      count += take;
      this.#visibleCount -= take;
      cohort.count -= take;
      if (cohort.count === 0) this.#head += 1;
    }
    this.#compact();
    return { received, count, movedToDeadLetter };
  }

  /**
   * Received messages handed to an invocation that ends at `completesAt`: then `deleted` are
   * deleted (the invocation succeeded) and `returned` wait until `visibleAt` (it failed).
   */
  startInvocations(completesAt: number, deleted: Cohort[], returned: Cohort[], visibleAt: number): void {
    const entry: InFlight = { deleted, returned, visibleAt };
    this.#inFlight.set(completesAt, [...(this.#inFlight.get(completesAt) ?? []), entry]);
    this.#inFlightCount += total(deleted) + total(returned);
  }

  /** Ends the invocations due at `second`; returns how many messages were deleted and returned. */
  completeInvocations(second: number): { deleted: number; returned: number } {
    let deleted = 0;
    let returned = 0;
    for (const entry of this.#inFlight.get(second) ?? []) {
      deleted += total(entry.deleted);
      returned += total(entry.returned);
      this.#inFlightCount -= total(entry.deleted) + total(entry.returned);
      this.returnLater(entry.returned, entry.visibleAt);
    }
    this.#inFlight.delete(second);
    return { deleted, returned };
  }

  /** Received messages nobody deleted: visible again at `visibleAt` (the visibility timeout). */
  returnLater(cohorts: readonly Cohort[], visibleAt: number): void {
    const known = this.#waiting.get(visibleAt) ?? [];
    for (const cohort of cohorts) {
      if (cohort.count <= 0) continue;
      known.push({ ...cohort });
      this.#waitingCount += cohort.count;
    }
    if (known.length > 0) this.#waiting.set(visibleAt, known);
  }

  /** Messages in the source queue (not the DLQ) by how many times they have been received. */
  receiveCounts(): Map<number, number> {
    const counts = new Map<number, number>();
    const add = (cohort: Cohort) =>
      counts.set(cohort.receiveCount, (counts.get(cohort.receiveCount) ?? 0) + cohort.count);
    for (let i = this.#head; i < this.#visible.length; i++) add(this.#visible[i] as Cohort);
    for (const cohorts of this.#waiting.values()) cohorts.forEach(add);
    for (const entries of this.#inFlight.values()) {
      for (const entry of entries) [...entry.deleted, ...entry.returned].forEach(add);
    }
    return new Map([...counts].filter(([, count]) => count > 0).sort(([a], [b]) => a - b));
  }

  /** Send time of the oldest message not deleted (visible, in flight or waiting), if any. */
  oldestSentAt(): number | undefined {
    let oldest = this.#head < this.#visible.length ? (this.#visible[this.#head] as Cohort).sentAt : Infinity;
    for (const cohorts of this.#waiting.values())
      for (const c of cohorts) oldest = Math.min(oldest, c.sentAt);
    for (const entries of this.#inFlight.values()) {
      for (const entry of entries) {
        for (const c of [...entry.deleted, ...entry.returned])
          if (c.count > 0) oldest = Math.min(oldest, c.sentAt);
      }
    }
    return Number.isFinite(oldest) ? oldest : undefined;
  }

  /** When the message longest in the DLQ was moved there, if any. */
  deadLetterOldestMovedAt(): number | undefined {
    let oldest = Infinity;
    for (const cohort of this.#deadLetter) oldest = Math.min(oldest, cohort.movedAt);
    return Number.isFinite(oldest) ? oldest : undefined;
  }

  #moveToDeadLetter(cohort: Cohort, second: number): void {
    this.#deadLetterCount += cohort.count;
    const list = this.#deadLetter;
    const at = upperBound(list, (entry) => entry.sentAt <= cohort.sentAt);
    const before = list[at - 1];
    if (before && before.sentAt === cohort.sentAt && before.movedAt === second) before.count += cohort.count;
    else list.splice(at, 0, { sentAt: cohort.sentAt, movedAt: second, count: cohort.count });
  }

  #insertVisible(cohort: Cohort): void {
    this.#visibleCount += cohort.count;
    const list = this.#visible;
    const at = Math.max(
      this.#head,
      upperBound(
        list,
        (entry) =>
          entry.sentAt < cohort.sentAt ||
          (entry.sentAt === cohort.sentAt && entry.receiveCount <= cohort.receiveCount),
        this.#head,
      ),
    );
    const before = list[at - 1];
    if (
      at > this.#head &&
      before &&
      before.sentAt === cohort.sentAt &&
      before.receiveCount === cohort.receiveCount
    ) {
      before.count += cohort.count;
    } else {
      list.splice(at, 0, { ...cohort });
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#visible.length) {
      this.#visible = this.#visible.slice(this.#head);
      this.#head = 0;
    }
  }
}

function total(cohorts: readonly Cohort[]): number {
  return cohorts.reduce((sum, cohort) => sum + cohort.count, 0);
}

/** First index from `from` whose entry fails `isBefore` (entries satisfying it form a prefix). */
function upperBound<T>(list: readonly T[], isBefore: (entry: T) => boolean, from = 0): number {
  let low = from;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isBefore(list[mid] as T)) low = mid + 1;
    else high = mid;
  }
  return low;
}
