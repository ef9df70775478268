/** The queues of the contracts service (beside its event queue, which the runtime owns). */
export const QueueName = {
  extraction: "contracts.extraction",
  reminders: "contracts.reminders",
} as const;

export const JobName = {
  extractText: "extract-text",
  fireReminder: "fire-reminder",
} as const;

export interface ExtractionJobData {
  organizationId: string;
  versionId: string;
}

export interface ReminderJobData {
  organizationId: string;
  reminderId: string;
}

/** One extraction per document version, however often it is asked for. */
export function extractionJobId(versionId: string): string {
  return `extract-${versionId}`;
}

/**
 * One wake-up per reminder and fire time: moving a reminder makes a new job, and the old one,
 * if it was not removed, finds the reminder not yet due and does nothing.
 */
export function reminderJobId(reminderId: string, fireAt: Date): string {
  return `reminder-${reminderId}-${fireAt.getTime()}`;
}
