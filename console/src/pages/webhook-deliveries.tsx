import { api, formatDate, type Delivery, type Webhook } from "../api";
import { Feedback, Table, useFeedback, useLoad } from "../ui";

/** The deliveries to one endpoint: send a test event, refresh, redeliver any of them. */
export function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useLoad(
    () =>
      api<{ deliveries: Delivery[]; total: number }>(
        "GET",
        `/v1/settings/webhooks/${webhook.id}/deliveries?take=50`,
      ),
    [webhook.id],
  );
  const feedback = useFeedback();

  const queue = (path: string, message: string) => {
    feedback.clear();
    api("POST", `/v1/settings/webhooks/${webhook.id}/${path}`).then(() => {
      feedback.done(message);
      deliveries.reload();
    }, feedback.fail);
  };

  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries to {webhook.url}</h2>
      <div className="buttons">
        <button type="button" onClick={() => queue("test", "Test event queued.")}>
          Send test event
        </button>
        <button type="button" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      <Feedback error={feedback.error ?? deliveries.error} status={feedback.status} />
      <Table
        columns={["Created", "Event", "Status", "HTTP", "Attempts"]}
        actions
        testId="deliveries"
        empty="No deliveries yet."
      >
        {deliveries.data?.deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <td>{formatDate(delivery.createdAt)}</td>
            <td>{delivery.eventType}</td>
            <td>{delivery.status}</td>
            <td>{delivery.statusCode ?? delivery.error ?? "—"}</td>
            <td>{delivery.attemptCount}</td>
            <td>
              <button
                type="button"
                onClick={() => queue(`deliveries/${delivery.id}/redeliver`, "Redelivery queued.")}
                aria-label={`Redeliver ${delivery.eventType} ${delivery.id}`}
              >
                Redeliver
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
