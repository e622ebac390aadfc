/** The Optimisation section. */
export function OptimisationPage({ workspaceName }: { workspaceName: string }) {
  return (
    <section aria-labelledby="section-title">
      <h1 id="section-title">Optimisation</h1>
      <p>{workspaceName}</p>
    </section>
  );
}
