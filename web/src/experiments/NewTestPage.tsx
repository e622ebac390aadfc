/** Creating an A/B test (/tests/new). */
export function NewTestPage() {
  return (
    <section aria-labelledby="new-test-title">
      <h1 id="new-test-title">New A/B test</h1>
    </section>
  );
}
