import type { OutboxTable } from "@clment/queue";

export interface DB {
  outbox: OutboxTable;
  processed_events: { consumer: string; event_id: string; processed_at: Date };
}
