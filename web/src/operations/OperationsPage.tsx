/** The Operations section. */
export function OperationsPage({ workspaceName }: { workspaceName: string }) {
  return (
    <section aria-labelledby="section-title">
      <h1 id="section-title">Operations</h1>
      <p>{workspaceName}</p>
    </section>
  );
}
