/** The conversion models: every stored version with its holdout metrics, and retraining (trainModel). */
import { useMutation, useQuery } from 'urql';
import { DashModelsDocument, DashTrainModelDocument, type DashModelsQuery } from '../generated/graphql';
import { humanize } from '../ui/format';
import { ApiError } from '../ui/ApiError';
import { metricRows } from './model';

export function ModelsPanel({ writer }: { writer: boolean }) {
  const [{ data, error, fetching }, reexecute] = useQuery({ query: DashModelsDocument });
  const [training, train] = useMutation(DashTrainModelDocument);
  const models = data?.models ?? [];
  const onTrain = async () => {
    const r = await train({});
    if (!r.error) reexecute({ requestPolicy: 'network-only' });
  };

  return (
    <section aria-labelledby="models-title" className="models">
      <h2 id="models-title">Conversion models</h2>
      <p className="hint">
        The probability that a message leads to a conversion within 7 days, retrained weekly (Mondays 03:00 UTC). Metrics are measured on
        held-out contacts, beside the base-rate baseline.
      </p>
      {writer && (
        <div className="rec-actions">
          <button type="button" onClick={onTrain} disabled={training.fetching}>
            {training.fetching ? 'Training…' : 'Train a new version now'}
          </button>
          {training.fetching && (
            <p role="status" className="muted">
              Training in the background: up to about a minute.
            </p>
          )}
          {!training.fetching && training.data && (
            <p role="status" className="applied">
              Version {training.data.trainModel.version} trained on {training.data.trainModel.samples.toLocaleString('en-US')} messages.
            </p>
          )}
          <ApiError error={training.error} />
        </div>
      )}
      <ApiError error={error} />
      {!data && fetching && <p>Loading the models…</p>}
      {data && models.length === 0 && (
        <p className="empty">
          No model trained yet. It needs at least 100 messages sent in the last 90 days whose 7-day window has closed, with 10 conversions;
          {writer ? ' then "Train a new version now" trains one.' : ' a WRITE key can then train one (trainModel).'}
        </p>
      )}
      {models[0] && <ModelTable model={models[0]} />}
      {models.length > 1 && (
        <details className="earlier">
          <summary>Earlier versions ({models.length - 1})</summary>
          {models.slice(1).map((m) => (
            <ModelTable key={m.id} model={m} />
          ))}
        </details>
      )}
    </section>
  );
}

function ModelTable({ model: m }: { model: DashModelsQuery['models'][number] }) {
  const rows = metricRows(m.metrics);
  return (
    <div className="table-wrap model" data-model-id={m.id}>
      <table>
        <caption>
          {humanize(m.kind)} model, version {m.version}: trained {new Date(m.trainedAt).toLocaleString()} on {m.samples.toLocaleString('en-US')}{' '}
          labelled messages
        </caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row" data-label="Metric">
                {r.label}
              </th>
              <td data-label="Value">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
