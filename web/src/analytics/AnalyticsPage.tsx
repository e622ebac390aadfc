/** The Analytics section. */
export function AnalyticsPage({ workspaceName }: { workspaceName: string }) {
  return (
    <section aria-labelledby="section-title">
      <h1 id="section-title">Analytics</h1>
      <p>{workspaceName}</p>
    </section>
  );
}
