/** Where a region's queues live in Redis. Every region, and every test, has its own prefix. */
export interface QueueSettings {
  /** e.g. `clment:eu`; BullMQ keys go under `<prefix>:bull`. */
  prefix: string;
  bullPrefix: string;
}

export function queueSettings(prefix: string): QueueSettings {
  return { prefix, bullPrefix: `${prefix}:bull` };
}

export function consumerQueueName(consumer: string): string {
  return `events.${consumer}`;
}
